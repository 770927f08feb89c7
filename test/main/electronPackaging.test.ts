/**
 * electron-builder.yml packs what the desktop app needs at run time. Its globs are matched the way
 * electron-builder matches them (files: in order, the last matching pattern decides; production
 * dependencies in node_modules are added by electron-builder itself; the build-resources folder is always
 * left out), against the paths the app really uses: the window's renderer and preload, the hidden GPU host
 * window's page and preload, the run manager's
 * worker, the built-in data generator, the store's migrations, the wasm binaries and the SQLite addon.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, matchesGlob, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPU_HOST_INDEX_PATH, GPU_HOST_PRELOAD_PATH, PRELOAD_BUNDLE_PATH, RENDERER_INDEX_PATH } from '../../main/electron/security.js';
import { repoRoot } from '../support/paths.js';

// js-yaml comes with electron-builder; loaded through require so the test needs no type package
const { load: parseYaml } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { buildResources?: string; output?: string };
  files?: string[];
  asarUnpack?: string[];
  npmRebuild?: boolean;
  extraMetadata?: { main?: string };
  linux?: { target?: string[]; category?: string; icon?: string };
  win?: { target?: string | string[]; icon?: string };
  mac?: { target?: string | string[]; icon?: string };
}

const config = parseYaml(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** This test's compiled tree stands for build/ (compiled elsewhere so as not to disturb the shared build). */
const compiledRoot = resolve(dirname(fileURLToPath(import.meta.resolve('../../main/electron/security.js'))), '..', '..');
const asBuildPath = (compiledFile: string) => ['build', ...relative(compiledRoot, compiledFile).split(sep)].join('/');

/** minimatch-all, as electron-builder's filter applies `files`: patterns in order, the last match decides. */
function matchedByPatterns(path: string, patterns: string[]): boolean {
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (included !== negated) continue;
    if (matchesGlob(path, negated ? pattern.slice(1) : pattern)) included = !negated;
  }
  return included;
}

function packageNameOf(path: string): string {
  const [, first, second] = path.split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

/** Whether electron-builder puts `path` (relative to the project, with /) into the app. */
function packaged(path: string): boolean {
  const buildResources = config.directories?.buildResources ?? 'build';
  if (path === buildResources || path.startsWith(`${buildResources}/`)) return false;
  if (path.startsWith('node_modules/')) {
    const name = packageNameOf(path);
    return name in (manifest.dependencies ?? {}) || name in (manifest.optionalDependencies ?? {});
  }
  return path === 'package.json' || matchedByPatterns(path, config.files ?? []);
}

const unpacked = (path: string) => (config.asarUnpack ?? []).some((pattern) => matchesGlob(path, pattern));

test('what the main process and the window load is packed, from the paths they really use', () => {
  assert.equal(config.extraMetadata?.main, 'build/main/electron/main.js');
  assert.ok(existsSync(join(compiledRoot, 'main', 'electron', 'main.js')), 'the main script is what tsc writes');
  const needed = [
    'package.json',
    config.extraMetadata!.main!,
    asBuildPath(PRELOAD_BUNDLE_PATH),
    asBuildPath(RENDERER_INDEX_PATH),
    'build/renderer/assets/index-abc123.js',
    'build/renderer/assets/index-abc123.css',
    'build/renderer/favicon.svg',
  ];
  assert.deepEqual(needed.slice(2, 4), ['build/main/electron/preload.cjs', 'build/renderer/index.html']);
  for (const path of needed) assert.ok(packaged(path), `${path} is packed`);
});

test("the hidden GPU host window's page and preload are packed, from the paths it really loads", () => {
  const needed = [asBuildPath(GPU_HOST_INDEX_PATH), asBuildPath(GPU_HOST_PRELOAD_PATH), 'build/gpuHost/assets/index-abc123.js', 'build/gpuHost/assets/dist-abc123.js'];
  assert.deepEqual(needed.slice(0, 2), ['build/gpuHost/index.html', 'build/main/electron/preloadGpuHost.cjs']);
  for (const path of needed) assert.ok(packaged(path), `${path} is packed`);
  // what Vite really wrote, where the page is built (npm run build)
  const builtFolder = join(dirname(GPU_HOST_INDEX_PATH), 'assets');
  if (existsSync(builtFolder)) {
    const built = readdirSync(builtFolder);
    assert.ok(built.some((name) => name.endsWith('.js')), 'the page has its script');
    for (const name of built) assert.ok(packaged(`build/gpuHost/assets/${name}`), `build/gpuHost/assets/${name} is packed`);
  }
  assert.ok(existsSync(join(compiledRoot, 'main', 'electron', 'gpuHostWindow.js')), 'the window module is compiled');
  assert.ok(packaged('build/main/electron/gpuHostWindow.js') && packaged('build/main/electron/gpuRoute.js'));
  assert.ok(packaged('build/app/runs/gpuHostClient.js'), 'the main side of the host');
});

test('what the engine loads at run time is packed, and what must be a real file is unpacked', () => {
  // the run manager starts its workers from ./worker.js next to itself
  const managerSource = readFileSync(join(compiledRoot, 'app', 'runs', 'manager.js'), 'utf8');
  assert.match(managerSource, /new URL\('\.\/worker\.js', import\.meta\.url\)/);
  const engineFiles = ['app/runs/worker.js', 'app/data/builtin.js', 'app/store/migrations.js', 'app/api/service.js', 'app/engine/wasmGradientKernels.js'];
  for (const file of engineFiles) {
    assert.ok(existsSync(join(compiledRoot, ...file.split('/'))), `${file} is compiled`);
    assert.ok(packaged(`build/${file}`), `build/${file} is packed`);
  }

  const wasmFolder = join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const wasmFiles = readdirSync(wasmFolder).filter((name) => name.endsWith('.wasm'));
  assert.ok(wasmFiles.length >= 3, `the wasm binaries are installed (${wasmFiles.join(', ')})`);
  for (const name of wasmFiles) {
    const path = `node_modules/@tensorflow/tfjs-backend-wasm/dist/${name}`;
    assert.ok(packaged(path), `${path} is packed`);
    assert.ok(unpacked(path), `${path} is unpacked`);
  }
  const sqliteAddon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  assert.ok(existsSync(join(repoRoot, ...sqliteAddon.split('/'))));
  assert.ok(packaged(sqliteAddon) && unpacked(sqliteAddon), 'the SQLite addon is packed and unpacked');
  assert.ok(packaged('node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node'), 'the optional GPU backend is packed when installed');
  assert.ok(unpacked('node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node'));
  assert.ok(unpacked('node_modules/@tensorflow/tfjs-node/lib/napi-v8/libtensorflow.so.2'));
  assert.ok(!unpacked('build/app/runs/worker.js'), 'the engine stays in the archive');
  // Dawn's addon (webgpu backend) for every platform the package ships, and Windows' DirectX compilers beside it
  for (const platform of readdirSync(join(repoRoot, 'node_modules/webgpu/dist')).filter((name) => existsSync(join(repoRoot, 'node_modules/webgpu/dist', name, 'dawn.node')))) {
    const addon = `node_modules/webgpu/dist/${platform}/dawn.node`;
    assert.ok(packaged(addon) && unpacked(addon), `${addon} is packed and unpacked`);
  }
  for (const dll of ['d3dcompiler_47.dll', 'dxcompiler.dll']) assert.ok(unpacked(`node_modules/webgpu/dist/win32-x64/${dll}`), `${dll} is unpacked`);
});

test('development files and tests stay out of the app', () => {
  for (const path of [
    'build/main/launch.js',
    'build/main/electron/vite.preload.config.js',
    'build/main/electron/preload.js',
    'build/main/electron/preloadGpuHost.js',
    'build/main/electron/vite.preloadGpuHost.config.js',
    'build/main/gpuHost/host.js',
    'build/main/gpuHost/vite.config.js',
    'build/test/gpuHost/goldenPage.js',
    'main/gpuHost/index.html',
    'build/renderer/src/lib/redrawScheduler.js',
    'build/app/runs/worker.js.map',
    'build/test/main/electronPackaging.test.js',
    'build/electron-native/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    'node_modules/electron/index.js',
    'node_modules/electron-builder/package.json',
    'node_modules/vite/package.json',
    'app/runs/worker.ts',
    'renderer/src/main.ts',
    'resources/icon.png',
  ]) {
    assert.ok(!packaged(path), `${path} is left out`);
  }
});

test('targets, native rebuild and icons', () => {
  assert.equal(config.productName, 'F-SAM Studio');
  assert.match(config.appId ?? '', /^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
  assert.equal(config.npmRebuild, true);
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.match(config.linux?.category ?? '', /^Development;Science;?$/);
  assert.deepEqual([config.win?.target].flat(), ['nsis']);
  assert.deepEqual([config.mac?.target].flat(), ['dmg']);
  assert.notEqual(config.directories?.buildResources ?? 'build', 'build', 'build/ holds the app: it must not be the build-resources folder');
  for (const icon of new Set([config.linux?.icon, config.win?.icon, config.mac?.icon])) {
    assert.ok(icon, 'every platform names an icon');
    const png = readFileSync(join(repoRoot, icon));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${icon} is a PNG`);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [512, 512], `${icon} is 512×512`);
  }
});
