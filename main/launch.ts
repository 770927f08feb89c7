#!/usr/bin/env node
/**
 * `npm start`: the desktop app when it can run here, else the same screens in the default browser.
 *
 *   0. check that this Node is one Electron's package declares it needs (`engines.node`): the CLI, the web
 *      shell and the tests run on Node 20, but the electron package's download and launcher want more;
 *   1. find Electron's binary (the electron package downloads it on first use);
 *   2. check there is a display to open a window on (Linux);
 *   3. make the Electron-ABI copy of better-sqlite3 (main/electron/electronNative.ts), once per version;
 *   4. start Electron on this project (package.json "main" → build/main/electron/main.js).
 *
 * When a step cannot be done it says why, in one message, and serves the studio instead the way
 * `fsam-studio serve` does, in this process, opening the address in the default browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureElectronSqlite, PROJECT_ROOT } from './electron/electronNative.js';

/** The first launch downloads Electron (about 100 MB); a stuck download ends here. */
const ELECTRON_LOOKUP_TIMEOUT_MS = 10 * 60_000;
/** A browser opener still running after this long is taken to have opened it (some wait for the browser). */
const BROWSER_OPENER_GRACE_MS = 5_000;
const PATH_MARKER = '@@fsam-electron-path@@';

const HELP = `npm start [-- options] — F-SAM Studio's desktop window, or the studio in your browser where no window can open

Options:
  --web                  skip the desktop app: serve the studio and open it in the default browser
  --db FILE              the SQLite file of runs (default: FSAM_DB, else studio.db in the app's data folder)
  --concurrency N        runs trained at once`;

type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

interface ElectronBinary {
  path: string;
  version: string;
}

function say(line: string): void {
  console.log(line);
}

/** The first "SomethingError: message" of a failed child's stderr, else its first line. */
function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  for (const line of lines) {
    const match = /^(?:\w*Error): (.+)$/.exec(line);
    if (match) return match[1]!;
  }
  return lines[0] ?? 'no message';
}

/**
 * Asks the electron package for its binary the way its own CLI does — `require('electron')` in a child
 * Node, which downloads the binary when it is missing — with a timeout, then checks the file is there.
 */
async function findElectron(root: string = PROJECT_ROOT, timeoutMs = ELECTRON_LOOKUP_TIMEOUT_MS): Promise<Step<ElectronBinary>> {
  let version: string;
  let packageFolder: string;
  try {
    const manifestPath = createRequire(join(root, 'package.json')).resolve('electron/package.json');
    packageFolder = join(manifestPath, '..');
    version = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string }).version;
  } catch {
    return { ok: false, reason: 'the electron package is not installed (npm install installs it with the development dependencies)' };
  }
  if (!existsSync(join(packageFolder, 'path.txt'))) say(`Getting Electron ${version} (the first launch downloads it, about 100 MB)…`);
  const script = `process.stdout.write(${JSON.stringify(PATH_MARKER)} + require('electron'))`;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, windowsHide: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => resolve({ code: -1, stdout, stderr, error }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  if (result.error) return { ok: false, reason: `Node could not be started to look for Electron (${result.error.message})` };
  if (result.code === null) return { ok: false, reason: `looking for Electron ${version}'s binary took longer than ${timeoutMs / 60_000} minutes (a stuck download?)` };
  if (result.code !== 0) {
    return { ok: false, reason: `Electron ${version}'s binary is not installed and could not be downloaded (${firstError(result.stderr)})` };
  }
  const markerAt = result.stdout.lastIndexOf(PATH_MARKER);
  const binary = markerAt < 0 ? '' : result.stdout.slice(markerAt + PATH_MARKER.length).trim();
  if (binary === '' || !existsSync(binary)) return { ok: false, reason: `the electron package names a binary that is not there (${binary || 'no path'})` };
  return { ok: true, value: { path: binary, version } };
}

/** "22.12.0" → [22, 12, 0]; undefined when `text` is not a plain version. */
function versionNumbers(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

/**
 * Electron's package declares the Node it needs in `engines.node` (">= 22.12.0" for Electron 45); npm only
 * warns (EBADENGINE) when it installs it on an older one. Read at run time, so an Electron upgrade moves the
 * requirement without a code change; a range other than ">= x.y.z" is not judged here.
 */
function checkNodeForElectron(root: string = PROJECT_ROOT, nodeVersion: string = process.versions.node): Step<null> {
  let manifest: { version: string; engines?: { node?: string } };
  try {
    manifest = JSON.parse(readFileSync(createRequire(join(root, 'package.json')).resolve('electron/package.json'), 'utf8')) as typeof manifest;
  } catch {
    return { ok: true, value: null }; // findElectron says that the package is missing
  }
  const range = manifest.engines?.node ?? '';
  const needed = /^\s*>=\s*\d+\.\d+\.\d+\s*$/.test(range) ? versionNumbers(range) : undefined;
  const running = versionNumbers(nodeVersion);
  if (!needed || !running) return { ok: true, value: null };
  const older = running.findIndex((part, i) => part !== needed[i]!);
  if (older < 0 || running[older]! > needed[older]!) return { ok: true, value: null };
  return { ok: false, reason: `Electron ${manifest.version} needs Node.js ${range.trim()} and this is Node.js ${nodeVersion} (the CLI, the web shell and the tests need only Node.js 20)` };
}

/** Linux needs X11 or Wayland for a window; a headless box (a training server over SSH) has neither. */
function checkDisplay(env: NodeJS.ProcessEnv = process.env): Step<null> {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return { ok: true, value: null };
  return { ok: false, reason: 'there is no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
}

/** Runs Electron on the project until it quits; resolves with its exit code. */
function runElectron(binary: string, args: string[]): Promise<number> {
  const env = { ...process.env };
  // set by some tools; it would make Electron behave as plain Node
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [PROJECT_ROOT, ...args], { stdio: 'inherit', env, windowsHide: false });
  // Ctrl+C reaches both processes; the app quits with checkpoints, and this process waits for it
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`fsam-studio: Electron could not be started (${error.message})`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Opens `url` in the default browser; says why not when it cannot. */
function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<Step<string>> {
  const [command, args]: [string, string[]] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/d', '/s', '/c', 'start', '""', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (step: Step<string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(step);
    };
    const child = spawn(command, args, { stdio: 'ignore', detached: platform !== 'win32', windowsHide: true, windowsVerbatimArguments: platform === 'win32' });
    const timer = setTimeout(() => {
      child.unref();
      settle({ ok: true, value: command });
    }, BROWSER_OPENER_GRACE_MS);
    child.once('error', (error) => settle({ ok: false, reason: `${command} could not be run: ${error.message}` }));
    child.once('exit', (code) => settle(code === 0 ? { ok: true, value: command } : { ok: false, reason: `${command} exited with code ${code}` }));
  });
}

/** `fsam-studio serve`, in this process, plus opening the address; runs until Ctrl+C. */
async function serveInBrowser(flags: { db?: string; concurrency?: string }): Promise<number> {
  // loaded only here: the desktop path does not need the engine in this process
  const { openSession } = await import('../app/cli/session.js');
  const { startWebShell } = await import('./web/webShell.js');
  const { RENDERER_BUILD_FOLDER } = await import('./web/serveCommand.js');
  if (!existsSync(join(RENDERER_BUILD_FOLDER, 'index.html'))) {
    console.error(`fsam-studio: the screens are not built (${RENDERER_BUILD_FOLDER}); run npm run build:renderer first.`);
    return 1;
  }
  const session = openSession(flags);
  const shell = await startWebShell({ api: session.service, files: (fileId) => session.service.downloadableFile(fileId), rendererFolder: RENDERER_BUILD_FOLDER });
  say(`F-SAM Studio is served at (open this address; it carries the access token):\n${shell.url}`);
  say(`store: ${session.service.store.path}`);
  // FSAM_OPEN_BROWSER=0: serve without opening a browser (tests, or a terminal on a remote machine)
  const opened: Step<string> = process.env.FSAM_OPEN_BROWSER === '0' ? { ok: false, reason: 'FSAM_OPEN_BROWSER=0' } : await openInBrowser(shell.url);
  if (opened.ok) say('Opened in your default browser. Ctrl+C stops the runs with a checkpoint and quits.');
  else say(`Could not open a browser (${opened.reason}); open the address above yourself. Serving until Ctrl+C.`);
  // Ctrl+C: the session stops the runs with a checkpoint; once they have, close the server and leave
  await new Promise<void>((resolve) => process.once('SIGINT', () => setImmediate(resolve)));
  await session.close();
  await shell.close();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: { web: { type: 'boolean' }, db: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`fsam-studio: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (flags.help) {
    say(HELP);
    return 0;
  }
  const storeFlags = { db: flags.db, concurrency: flags.concurrency };
  if (flags.web) return serveInBrowser(storeFlags);

  const passOn = [...(flags.db ? [`--db=${flags.db}`] : []), ...(flags.concurrency ? [`--concurrency=${flags.concurrency}`] : [])];
  let reason: string;
  const node = checkNodeForElectron();
  const electron = node.ok ? await findElectron() : node;
  if (electron.ok) {
    const display = checkDisplay();
    if (display.ok) {
      try {
        const sqlite = await ensureElectronSqlite({ electronVersion: electron.value.version, log: say });
        if (sqlite.how !== 'reused') say(`better-sqlite3 for Electron ${electron.value.version}: ${sqlite.how} (${sqlite.bindingPath})`);
        return await runElectron(electron.value.path, passOn);
      } catch (error) {
        reason = `better-sqlite3 could not be built for Electron ${electron.value.version}: ${(error as Error).message}`;
      }
    } else {
      reason = display.reason;
    }
  } else {
    reason = electron.reason;
  }
  say(`F-SAM Studio: no desktop window — ${reason}\nOpening the studio in your browser instead (the same screens, served by this process as \`fsam-studio serve\` does).`);
  return serveInBrowser(storeFlags);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`fsam-studio: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.FSAM_DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
