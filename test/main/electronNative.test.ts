/**
 * The Electron-ABI copy of better-sqlite3 (development): reused while the versions match, made elsewhere
 * than node_modules, and a failed build explained in words. (Building it needs the internet; that part is
 * exercised by `npm start` on a connected machine.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ELECTRON_NATIVE_FOLDER, PROJECT_ROOT, electronSqliteBindingPath, ensureElectronSqlite, summarizeToolOutput } from '../../main/electron/electronNative.js';
import { repoRoot } from '../support/paths.js';
import { temporaryFolder } from '../support/runs.js';

const folder = temporaryFolder('fsam-native-');
after(() => folder.remove());

test('the copy lives in build/electron-native, apart from node_modules', () => {
  assert.equal(PROJECT_ROOT.replace(/[\\/]$/, ''), repoRoot);
  assert.equal(ELECTRON_NATIVE_FOLDER, join(repoRoot, 'build', 'electron-native'));
  assert.equal(electronSqliteBindingPath('/x'), join('/x', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  assert.ok(!electronSqliteBindingPath().startsWith(join(repoRoot, 'node_modules')));
});

test('a copy built for the same Electron and better-sqlite3 versions is reused as it is', async () => {
  const source = join(folder.path, 'source');
  mkdirSync(join(source, 'build', 'Release'), { recursive: true });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }));
  writeFileSync(join(source, 'build', 'Release', 'better_sqlite3.node'), 'node abi');
  const target = join(folder.path, 'native');
  const binding = electronSqliteBindingPath(target);
  mkdirSync(join(binding, '..'), { recursive: true });
  writeFileSync(binding, 'electron abi');
  writeFileSync(join(target, 'better-sqlite3.json'), JSON.stringify({ electron: '45.3.4', betterSqlite3: '12.11.1', platform: process.platform, arch: process.arch }));

  const result = await ensureElectronSqlite({ electronVersion: '45.3.4', sourceFolder: source, targetFolder: target });
  assert.deepEqual(result, { bindingPath: binding, how: 'reused' });
  assert.equal(readFileSync(binding, 'utf8'), 'electron abi');
  assert.equal(readFileSync(join(source, 'build', 'Release', 'better_sqlite3.node'), 'utf8'), 'node abi', "node_modules' addon is never touched");
  assert.deepEqual(readdirSync(target).sort(), ['better-sqlite3.json', 'node_modules']);

  await assert.rejects(ensureElectronSqlite({ electronVersion: '45.3.4', sourceFolder: join(folder.path, 'missing'), targetFolder: target }), /better-sqlite3 is not installed/);
});

test('a failed build is explained: a download that failed, else the error lines', () => {
  assert.match(summarizeToolOutput('prebuild-install warn install getaddrinfo ENOTFOUND github.com\n'), /a download failed \(github\.com\): no internet connection/);
  assert.match(
    summarizeToolOutput('gyp http GET https://electronjs.org/headers/v45.3.4/node-v45.3.4-headers.tar.gz\ngyp ERR! stack is related to network connectivity.\n'),
    /a download failed \(https:\/\/electronjs\.org\/headers\/v45\.3\.4\/node-v45\.3\.4-headers\.tar\.gz\)/,
  );
  assert.equal(summarizeToolOutput('CXX foo.o\n../src/x.cpp:1: error: missing header\ngyp ERR! build error\ngyp ERR! stack    at ChildProcess\ngyp ERR! not ok\n'), '../src/x.cpp:1: error: missing header | gyp ERR! build error');
  assert.equal(summarizeToolOutput(''), 'no output');
});
