/**
 * The desktop app's main process: one StudioService (the store, and the run manager whose worker threads
 * train), a locked-down window showing the renderer build from build/renderer/index.html, and the IPC
 * handlers that connect the two (ipc.ts). Quitting stops the runs with a checkpoint first.
 *
 * ESM: only this module's synchronous top level runs before Electron's `ready`, so everything that must
 * happen before it (the userData folder, the sandbox, the single-instance lock) is here, at the top.
 */
import { app, BrowserWindow, dialog, ipcMain, session, shell, type Session, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from '../../app/api/service.js';
import { APP_FOLDER_NAME } from '../../app/platform/location.js';
import { IPC_CHANNELS } from './channels.js';
import { createSaveExportHandler, createStudioIpcHandlers, studioSenderCheck } from './ipc.js';
import { desktopOptions, type DesktopOptions } from './options.js';
import { isExternalLink, isRendererDocument, PRELOAD_BUNDLE_PATH, RENDERER_INDEX_PATH, RENDERER_INDEX_URL, studioWebPreferences, withSecurityHeaders } from './security.js';

const WINDOW_TITLE = 'F-SAM Studio';
/** The window icon in development (packaged, the desktop file or the executable carries it). */
const DEVELOPMENT_ICON = fileURLToPath(new URL('../../../resources/icon.png', import.meta.url));

// The same folder app/platform/location.ts computes without Electron: appData + "fsam-studio", whatever the
// product name, so the desktop app, the CLI and the web shell share one default store.
app.setPath('userData', join(app.getPath('appData'), APP_FOLDER_NAME));
// every renderer sandboxed, whatever a webPreferences says
app.enableSandbox();

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

  let service: StudioService;
  try {
    service = StudioService.open(options);
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
    });
    window.loadFile(RENDERER_INDEX_PATH).catch((error: unknown) => console.error(`fsam-studio: the window could not load ${RENDERER_INDEX_PATH}: ${errorText(error)}`));
    return window;
  };

  createWindow();
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window === undefined) {
      createWindow();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // macOS keeps an app without windows running (its runs go on); the dock icon brings a window back
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quitting waits for the runs to stop with a checkpoint (resumable later) and for the store to close.
  let closed = false;
  let closing: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= (async () => {
      for (const window of BrowserWindow.getAllWindows()) window.setTitle(`${WINDOW_TITLE} — stopping the runs with a checkpoint…`);
      handlers.dispose();
      try {
        await service.close();
      } catch (error) {
        console.error(`fsam-studio: closing the store failed: ${errorText(error)}`);
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
