/**
 * `npm start` where no desktop window can open: the launcher says why in one message and serves the same
 * screens to a browser instead. Electron's binary is made unfindable the way the electron package allows
 * (ELECTRON_OVERRIDE_DIST_PATH pointing at an empty folder), so the test behaves the same on a machine that
 * could download it; FSAM_OPEN_BROWSER=0 keeps it from opening a browser on a developer's desktop.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { temporaryFolder, until } from '../support/runs.js';

const folder = temporaryFolder('fsam-launch-');
after(() => folder.remove());

test('without an Electron binary, npm start says why and serves the studio; Ctrl+C ends it cleanly', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'build', 'main', 'launch.js'), '--db', join(folder.path, 'studio.db')], {
    cwd: repoRoot,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(folder.path, 'no-electron-here'), FSAM_OPEN_BROWSER: '0', FSAM_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    // the address line, then the store's line after it
    await until(() => /^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\nstore: .+\n/m.test(stdout), 'the address and store lines', 60_000);
    // Electron 45 declares Node >= 22.12: on an older Node the launcher says so first, else it looks for the binary
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const tooOld = major < 22 || (major === 22 && minor < 12);
    assert.match(
      stdout,
      tooOld
        ? new RegExp(`no desktop window — Electron [\\d.]+ needs Node\\.js >= 22\\.12\\.0 and this is Node\\.js ${process.versions.node.replace(/\./g, '\\.')}`)
        : /no desktop window — the electron package names a binary that is not there/,
    );
    assert.equal(stdout.split('\n').filter((line) => line.includes('no desktop window')).length, 1, 'the reason is one line');
    assert.match(stdout, new RegExp(`store: ${join(folder.path, 'studio.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const url = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(stdout)![1]!;
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app"|<script type="module"/, 'the renderer build is served');
    const refused = await fetch(url.replace(/\?token=.*/, ''));
    assert.equal(refused.status, 403, 'without the token nothing is served');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, `exit code (stderr: ${stderr})`);
});
