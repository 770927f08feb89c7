/**
 * better-sqlite3 for Electron, in development. Its native addon is built for one ABI: node_modules keeps the
 * one Node needs (tests, the CLI), so the desktop app gets its own copy, built for Electron's version, in
 * build/electron-native/node_modules/better-sqlite3, and the main process loads that file
 * (StudioService.open's sqliteNativeBinding). The packaged app does not need this: electron-builder rebuilds
 * node_modules for Electron when it packs (electron-builder.yml, npmRebuild).
 *
 * The copy is made the way better-sqlite3's own install script does it — a prebuilt binary first
 * (prebuild-install, no compiler needed), else compiled with node-gyp against Electron's headers — and it is
 * reused while the Electron and better-sqlite3 versions stay the same. Both ways need the internet once.
 */
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or, packaged, the app) root: build/main/electron → ../../.. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ELECTRON_NATIVE_FOLDER = join(PROJECT_ROOT, 'build', 'electron-native');

const PREBUILT_TIMEOUT_MS = 3 * 60_000;
const COMPILE_TIMEOUT_MS = 20 * 60_000;

/** The Electron-ABI addon inside a copy folder. */
export function electronSqliteBindingPath(folder: string = ELECTRON_NATIVE_FOLDER): string {
  return join(folder, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
}

export interface ElectronSqliteOptions {
  electronVersion: string;
  /** Default: the project's node_modules/better-sqlite3 (read, never written). */
  sourceFolder?: string;
  /** Default: build/electron-native. */
  targetFolder?: string;
  arch?: string;
  platform?: NodeJS.Platform;
  /** Progress lines for the user. */
  log?: (line: string) => void;
}

export interface ElectronSqliteResult {
  bindingPath: string;
  /** 'reused': an earlier build for the same versions; otherwise how it was made now. */
  how: 'reused' | 'prebuilt' | 'compiled';
}

interface Stamp {
  electron: string;
  betterSqlite3: string;
  platform: string;
  arch: string;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function sameStamp(a: Stamp | undefined, b: Stamp): boolean {
  return a !== undefined && a.electron === b.electron && a.betterSqlite3 === b.betterSqlite3 && a.platform === b.platform && a.arch === b.arch;
}

/** Runs a Node script; its output goes to `logFile`. Resolves with the exit code (null: killed by the timeout). */
function runNodeScript(script: string, args: string[], cwd: string, logFile: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`\n$ ${process.execPath} ${script} ${args.join(' ')}\n`);
    const child = spawn(process.execPath, [script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, windowsHide: true });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', (error) => {
      log.end(`\n${error.message}\n`);
      resolve(-1);
    });
    child.once('close', (code) => {
      log.end();
      resolve(code);
    });
  });
}

/** node-gyp as npm bundles it (npm runs this launcher, so npm is there); null when it cannot be found. */
export function findNodeGyp(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates: string[] = [];
  // npm sets npm_execpath to its npm-cli.js: …/lib/node_modules/npm/bin/npm-cli.js
  if (env.npm_execpath) candidates.push(join(dirname(env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const folder of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of process.platform === 'win32' ? ['npm.cmd', 'npm'] : ['npm']) {
      const npm = join(folder, name);
      if (!existsSync(npm)) continue;
      try {
        const real = realpathSync(npm);
        // …/lib/node_modules/npm/bin/npm-cli.js (a symlink on Unix); on Windows npm.cmd sits beside node_modules/npm
        candidates.push(join(dirname(real), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
        candidates.push(join(folder, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
        candidates.push(join(folder, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
      } catch {
        // a dangling link: try the next folder
      }
    }
  }
  candidates.push(join(PROJECT_ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

/**
 * What went wrong, from a failed tool's output: a failed download said as such (the usual cause: no
 * internet, or a proxy), else its error lines, else its last lines.
 */
export function summarizeToolOutput(output: string, maxLines = 3): string {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  if (lines.some((line) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|network connectivity/.test(line))) {
    const url = lines.map((line) => /https?:\/\/\S+/.exec(line)?.[0]).find((found) => found !== undefined);
    const host = lines.map((line) => /ENOTFOUND (\S+)/.exec(line)?.[1]).find((found) => found !== undefined);
    return `a download failed (${url ?? host ?? 'see the log'}): no internet connection, or a proxy in the way`;
  }
  const errors = lines.filter((line) => /ERR!|\berror\b|Error:|warn install/i.test(line) && !/^gyp ERR! (stack\s+at |cwd|node -v|node-gyp -v|command|System|not ok)/.test(line));
  return (errors.length > 0 ? errors : lines.slice(-maxLines)).slice(0, maxLines).join(' | ') || 'no output';
}

function readLogFrom(logFile: string, offset: number): string {
  try {
    return readFileSync(logFile, 'utf8').slice(offset);
  } catch {
    return '';
  }
}

function logLength(logFile: string): number {
  return readLogFrom(logFile, 0).length;
}

export class ElectronNativeError extends Error {
  override name = 'ElectronNativeError';
}

/**
 * Makes (or reuses) the Electron-ABI copy of better-sqlite3 and returns its addon's path. Throws an
 * ElectronNativeError saying why when neither a prebuilt binary nor a compile works.
 */
export async function ensureElectronSqlite(options: ElectronSqliteOptions): Promise<ElectronSqliteResult> {
  const sourceFolder = options.sourceFolder ?? join(PROJECT_ROOT, 'node_modules', 'better-sqlite3');
  const targetFolder = options.targetFolder ?? ELECTRON_NATIVE_FOLDER;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const log = options.log ?? (() => {});
  const manifest = readJson<{ version?: string }>(join(sourceFolder, 'package.json'));
  if (manifest?.version === undefined) throw new ElectronNativeError(`better-sqlite3 is not installed (${sourceFolder}); run npm install`);

  const wanted: Stamp = { electron: options.electronVersion, betterSqlite3: manifest.version, platform, arch };
  const stampFile = join(targetFolder, 'better-sqlite3.json');
  const bindingPath = electronSqliteBindingPath(targetFolder);
  if (sameStamp(readJson<Stamp>(stampFile), wanted) && existsSync(bindingPath)) return { bindingPath, how: 'reused' };

  // a fresh copy of the package's sources, without its build/ (Node's addon and objects)
  const copy = join(targetFolder, 'node_modules', 'better-sqlite3');
  rmSync(stampFile, { force: true });
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(dirname(copy), { recursive: true });
  const sourceBuild = join(sourceFolder, 'build');
  cpSync(sourceFolder, copy, { recursive: true, filter: (path) => path !== sourceBuild && !path.startsWith(sourceBuild + sep) });
  const logFile = join(targetFolder, 'better-sqlite3-build.log');
  writeFileSync(logFile, `better-sqlite3 ${manifest.version} for Electron ${options.electronVersion} (${platform}-${arch})\n`);

  // the environment npm gives install scripts for Electron (what electron-builder's rebuild sets too)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_runtime: 'electron',
    npm_config_target: options.electronVersion,
    npm_config_disturl: 'https://electronjs.org/headers',
    npm_config_arch: arch,
    npm_config_target_arch: arch,
    npm_config_platform: platform,
  };
  const finish = (how: ElectronSqliteResult['how']): ElectronSqliteResult => {
    writeFileSync(stampFile, `${JSON.stringify(wanted, null, 2)}\n`);
    return { bindingPath, how };
  };

  let prebuiltProblem = 'prebuild-install is not installed';
  try {
    const prebuildInstall = createRequire(join(sourceFolder, 'package.json')).resolve('prebuild-install/bin.js');
    log(`Fetching a prebuilt better-sqlite3 for Electron ${options.electronVersion}…`);
    const from = logLength(logFile);
    const code = await runNodeScript(prebuildInstall, [`--runtime=electron`, `--target=${options.electronVersion}`, `--arch=${arch}`, `--platform=${platform}`], copy, logFile, PREBUILT_TIMEOUT_MS, env);
    if (code === 0 && existsSync(bindingPath)) return finish('prebuilt');
    prebuiltProblem = code === null ? 'timed out' : summarizeToolOutput(readLogFrom(logFile, from));
  } catch {
    // not resolvable: compile instead
  }

  const nodeGyp = findNodeGyp();
  if (nodeGyp === null) throw new ElectronNativeError(`no prebuilt binary (${prebuiltProblem}), and node-gyp (bundled with npm) was not found to compile one`);
  log(`Compiling better-sqlite3 for Electron ${options.electronVersion} (once; a minute or two)…`);
  const from = logLength(logFile);
  const code = await runNodeScript(
    nodeGyp,
    ['rebuild', '--release', `--target=${options.electronVersion}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'],
    copy,
    logFile,
    COMPILE_TIMEOUT_MS,
    env,
  );
  if (code === 0 && existsSync(bindingPath)) return finish('compiled');
  const compileProblem = code === null ? `timed out after ${COMPILE_TIMEOUT_MS / 60_000} minutes` : summarizeToolOutput(readLogFrom(logFile, from));
  throw new ElectronNativeError(`no prebuilt binary (${prebuiltProblem}); compiling failed (${compileProblem}). Full log: ${logFile}`);
}
