/**
 * The desktop app's main process: one StudioService (the store, and the run manager whose worker threads
 * train), a locked-down window showing the renderer build from build/renderer/index.html, and the IPC
 * handlers that connect the two (ipc.ts). Where Chromium's WebGPU offers a hardware adapter (or
 * FSAM_BACKEND=webgpu asks), runs train in a hidden GPU host window instead (gpuHostWindow.ts, gpuRoute.ts).
 * Quitting stops the runs with a checkpoint first.
 *
 * ESM: only this module's synchronous top level runs before Electron's `ready`, so everything that must
 * happen before it (the userData folder, the sandbox, the single-instance lock) is here, at the top.
 */
import { app, BrowserWindow, dialog, ipcMain, MessageChannelMain, session, shell, type Session, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService, type ServiceOptions } from '../../app/api/service.js';
import { describeAdapter } from '../../app/engine/webgpuDevice.js';
import { GpuHostClient } from '../../app/runs/gpuHostClient.js';
import { APP_FOLDER_NAME } from '../../app/platform/location.js';
import { IPC_CHANNELS } from './channels.js';
import { createSaveExportHandler, createStudioIpcHandlers, studioSenderCheck } from './ipc.js';
import { openGpuHostWindow, type GpuHostWindow } from './gpuHostWindow.js';
import { chooseDesktopRoute, cudaTensorflowAvailable } from './gpuRoute.js';
import { desktopOptions, type DesktopOptions } from './options.js';
import { GPU_HOST_INDEX_PATH, isExternalLink, isRendererDocument, PRELOAD_BUNDLE_PATH, RENDERER_INDEX_PATH, RENDERER_INDEX_URL, studioWebPreferences, withSecurityHeaders } from './security.js';

const WINDOW_TITLE = 'F-SAM Studio';
/** The window icon in development (packaged, the desktop file or the executable carries it). */
const DEVELOPMENT_ICON = fileURLToPath(new URL('../../../resources/icon.png', import.meta.url));

// The same folder app/platform/location.ts computes without Electron: appData + "fsam-studio", whatever the
// product name, so the desktop app, the CLI and the web shell share one default store.
app.setPath('userData', join(app.getPath('appData'), APP_FOLDER_NAME));
// every renderer sandboxed, whatever a webPreferences says
app.enableSandbox();
// Electron's Chromium has WebGPU off by default on Linux (on elsewhere); the GPU host window needs it
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-unsafe-webgpu');

/** How long the GPU host may take to say what adapter it has, and to end its device when quitting. */
const GPU_HOST_ANSWER_MS = 15_000;
const GPU_HOST_RELEASE_MS = 30_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A problem the user must fix before the app can run: said in a dialog (and the terminal), then quit. */
function failAtStart(title: string, message: string): void {
  console.error(`fsam-studio: ${title}: ${message}`);
  dialog.showErrorBox(title, message);
  app.exit(1);
}

/** Denies every permission (camera, notifications, …) and puts our CSP on every file the renderer loads. */
function hardenSession(target: Session, onRendererHeaders: () => void): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  target.setDevicePermissionHandler(() => false);
  target.webRequest.onHeadersReceived((details, callback) => {
    // the renderer is file:// only (its CSP forbids the rest); DevTools' own pages are left alone
    if (!details.url.startsWith('file:')) {
      callback({});
      return;
    }
    if (details.resourceType === 'mainFrame' && isRendererDocument(details.url)) onRendererHeaders();
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) });
  });
}

/** Every webContents (the window, DevTools, anything a bug might create): no navigation away, no new windows, no webviews. */
function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!isRendererDocument(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isRendererDocument(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // a link to the paper or a project page opens in the user's browser, never in the app
    if (isExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function withinTime<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

interface GpuHostRoute {
  window: GpuHostWindow;
  client: GpuHostClient;
  service: Pick<ServiceOptions, 'runLauncher' | 'backend'>;
}

/**
 * Opens the hidden GPU host window and asks its WebGPU for an adapter; keeps it where runs should train
 * there (gpuRoute.ts), else closes it and the runs train in worker threads.
 */
async function openGpuHostRoute(): Promise<GpuHostRoute | undefined> {
  if (!existsSync(GPU_HOST_INDEX_PATH)) {
    console.warn(`fsam-studio: the GPU host page is not built (${GPU_HOST_INDEX_PATH}); runs train in worker threads`);
    return undefined;
  }
  const requested = process.env.FSAM_BACKEND;
  const window = openGpuHostWindow({ BrowserWindow, MessageChannelMain });
  try {
    await withinTime(window.ready, GPU_HOST_ANSWER_MS, 'the GPU host page');
    const client = new GpuHostClient(window.connection, requested?.trim() === 'webgpu');
    const [probe, cuda] = await Promise.all([withinTime(client.probe(), GPU_HOST_ANSWER_MS, "the GPU host's WebGPU"), cudaTensorflowAvailable()]);
    const route = chooseDesktopRoute({ requested, adapter: probe.adapter, adapterError: probe.error, cuda });
    console.log(`fsam-studio: runs train in ${route.kind === 'gpuHost' ? 'the GPU host window' : 'worker threads'}: ${route.why}`);
    if (route.kind === 'workers') {
      window.close();
      return undefined;
    }
    const device = probe.adapter ? describeAdapter(probe.adapter) : `no adapter (${probe.error})`;
    const backend = { name: 'webgpu' as const, packageName: '@tensorflow/tfjs-backend-webgpu', device, forced: route.allowSoftware, skipped: [], ...(probe.adapter ? { adapter: probe.adapter } : {}) };
    return { window, client, service: { runLauncher: client.launch, backend: async () => backend } };
  } catch (error) {
    console.warn(`fsam-studio: the GPU host window is not used (${errorText(error)}); runs train in worker threads`);
    window.close();
    return undefined;
  }
}

async function start(): Promise<void> {
  let options: DesktopOptions;
  try {
    options = desktopOptions({ argv: process.argv, env: process.env, userDataFolder: app.getPath('userData'), packaged: app.isPackaged });
  } catch (error) {
    failAtStart('F-SAM Studio: bad command line', errorText(error));
    return;
  }
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  await app.whenReady();

  if (options.sqliteNativeBinding !== undefined && !existsSync(options.sqliteNativeBinding)) {
    failAtStart(
      'F-SAM Studio: SQLite for Electron is missing',
      `The Electron build of better-sqlite3 is not there (${options.sqliteNativeBinding}). Start the desktop app with \`npm start\`, which builds it once.`,
    );
    return;
  }
  if (!existsSync(RENDERER_INDEX_PATH)) {
    failAtStart('F-SAM Studio: the screens are not built', `${RENDERER_INDEX_PATH} is missing. Run \`npm run build:renderer\` (or \`npm start\`).`);
    return;
  }

  const gpuHost = await openGpuHostRoute();
  let service: StudioService;
  try {
    service = StudioService.open({ ...options, ...gpuHost?.service });
  } catch (error) {
    failAtStart('F-SAM Studio could not open its store', `${errorText(error)}\n\nStore: ${options.databasePath}`);
    return;
  }
  console.log(`fsam-studio: store ${service.store.path}`);

  // the webContents ids of our windows: the only senders the IPC handlers answer
  const studioContents = new Set<number>();
  const handlers = createStudioIpcHandlers(service, studioSenderCheck((id) => studioContents.has(id), RENDERER_INDEX_URL));
  ipcMain.handle(IPC_CHANNELS.call, (event, method: unknown, args: unknown) => handlers.call(event, method, args));
  ipcMain.handle(IPC_CHANNELS.subscribe, (event, id: unknown, method: unknown, args: unknown) => handlers.subscribe(event, id, method, args));
  ipcMain.on(IPC_CHANNELS.unsubscribe, (event, id: unknown) => handlers.unsubscribe(event, id));
  // the folder of the last save: a TF.js export's weights.bin is proposed next to the model.json just saved
  let lastSaveFolder = app.getPath('downloads');
  const saveExport = createSaveExportHandler(
    (fileId) => service.downloadableFile(fileId),
    async (event, file) => {
      const owner = BrowserWindow.fromWebContents(event.sender as WebContents);
      const options = { title: `Save ${file.name}`, defaultPath: join(lastSaveFolder, file.name) };
      const chosen = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      if (chosen.canceled || !chosen.filePath) return undefined;
      lastSaveFolder = dirname(chosen.filePath);
      return chosen.filePath;
    },
    studioSenderCheck((id) => studioContents.has(id), RENDERER_INDEX_URL),
  );
  ipcMain.handle(IPC_CHANNELS.saveExport, (event, fileId: unknown) => saveExport(event, fileId));

  let rendererGotHeaders = false;
  hardenSession(session.defaultSession, () => (rendererGotHeaders = true));

  const createWindow = (): BrowserWindow => {
    const window = new BrowserWindow({
      title: WINDOW_TITLE,
      width: 1320,
      height: 860,
      minWidth: 880,
      minHeight: 560,
      show: false,
      autoHideMenuBar: true,
      ...(app.isPackaged || !existsSync(DEVELOPMENT_ICON) ? {} : { icon: DEVELOPMENT_ICON }),
      webPreferences: studioWebPreferences(PRELOAD_BUNDLE_PATH),
    });
    const contents = window.webContents;
    const contentsId = contents.id;
    studioContents.add(contentsId);
    // a reload or a crash starts a new page whose preload numbers its subscriptions from 1 again
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) handlers.forget(contentsId);
    });
    contents.on('render-process-gone', () => handlers.forget(contentsId));
    contents.on('did-finish-load', () => {
      if (!rendererGotHeaders) console.warn("fsam-studio: the renderer's Content-Security-Policy header was not applied (webRequest saw no file:// response)");
    });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
      studioContents.delete(contentsId);
      handlers.forget(contentsId);
      // the hidden GPU host window does not keep the app open ('window-all-closed' would wait for it)
      if (studioContents.size === 0 && process.platform !== 'darwin') app.quit();
    });
    window.loadFile(RENDERER_INDEX_PATH).catch((error: unknown) => console.error(`fsam-studio: the window could not load ${RENDERER_INDEX_PATH}: ${errorText(error)}`));
    return window;
  };

  /** The studio's windows (not the hidden GPU host). */
  const studioWindows = () => BrowserWindow.getAllWindows().filter((window) => studioContents.has(window.webContents.id));
  createWindow();
  app.on('second-instance', () => {
    const [window] = studioWindows();
    if (window === undefined) {
      createWindow();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // macOS keeps an app without windows running (its runs go on); the dock icon brings a window back
  app.on('activate', () => {
    if (studioWindows().length === 0) createWindow();
  });

  // Quitting waits for the runs to stop with a checkpoint (resumable later) and for the store to close.
  let closed = false;
  let closing: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= (async () => {
      for (const window of studioWindows()) window.setTitle(`${WINDOW_TITLE} — stopping the runs with a checkpoint…`);
      handlers.dispose();
      try {
        await service.close();
      } catch (error) {
        console.error(`fsam-studio: closing the store failed: ${errorText(error)}`);
      }
      if (gpuHost) {
        // the page ends its device once its runs have ended (they were stopped above); only then is it closed
        await withinTime(gpuHost.client.release(), GPU_HOST_RELEASE_MS, 'the GPU host').catch((error: unknown) => console.error(`fsam-studio: ${errorText(error)}`));
        gpuHost.window.close();
      }
      closed = true;
      app.quit();
    })();
  });
}

if (!app.requestSingleInstanceLock()) {
  // another window of the studio is open on this machine: it owns the store and its runs (and gets focused)
  app.quit();
} else {
  // Ctrl+C in the terminal that started the app, or a polite kill: quit the same way, with checkpoints
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  start().catch((error: unknown) => failAtStart('F-SAM Studio could not start', errorText(error)));
}
