/**
 * The desktop window's security settings and start-up options, read from the modules main.ts builds the
 * window from (they import no Electron at run time): webPreferences, the Content-Security-Policy and the
 * headers it travels in, the navigation and link rules, and the store/concurrency options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DATABASE_FILE_NAME } from '../../app/platform/location.js';
import { electronSqliteBindingPath } from '../../main/electron/electronNative.js';
import { desktopOptions } from '../../main/electron/options.js';
import {
  DESKTOP_CONTENT_SECURITY_POLICY,
  PRELOAD_BUNDLE_PATH,
  RENDERER_INDEX_PATH,
  RENDERER_INDEX_URL,
  isExternalLink,
  isRendererDocument,
  studioWebPreferences,
  withSecurityHeaders,
} from '../../main/electron/security.js';
import { RENDERER_BUILD_FOLDER } from '../../main/web/serveCommand.js';

/** The compiled electron folder (build/main/electron, wherever this test was compiled to). */
const electronFolder = dirname(fileURLToPath(import.meta.resolve('../../main/electron/security.js')));

function directives(policy: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const part of policy.split(';').map((text) => text.trim()).filter(Boolean)) {
    const [name, ...sources] = part.split(/\s+/);
    assert.ok(!result.has(name!), `directive ${name} appears once`);
    result.set(name!, sources);
  }
  return result;
}

test('webPreferences: isolated, sandboxed, no Node, web security on, our preload bundle', () => {
  const preferences = studioWebPreferences();
  assert.equal(preferences.contextIsolation, true);
  assert.equal(preferences.sandbox, true);
  assert.equal(preferences.nodeIntegration, false);
  assert.equal(preferences.nodeIntegrationInWorker, false);
  assert.equal(preferences.nodeIntegrationInSubFrames, false);
  assert.equal(preferences.webSecurity, true);
  assert.equal(preferences.allowRunningInsecureContent, false);
  assert.equal(preferences.webviewTag, false);
  assert.equal(preferences.experimentalFeatures, false);
  assert.equal(preferences.preload, PRELOAD_BUNDLE_PATH);
  assert.equal(PRELOAD_BUNDLE_PATH, join(electronFolder, 'preload.cjs'), 'the bundle Vite writes next to main.js');
  assert.equal(studioWebPreferences('/elsewhere/preload.cjs').preload, '/elsewhere/preload.cjs');

  // the window is built from exactly these (and the CSP hook from withSecurityHeaders)
  const mainSource = readFileSync(join(electronFolder, 'main.js'), 'utf8');
  assert.match(mainSource, /webPreferences: studioWebPreferences\(PRELOAD_BUNDLE_PATH\)/);
  assert.equal(mainSource.match(/webPreferences:/g)?.length, 1, 'no other window is created with its own preferences');
  assert.match(mainSource, /responseHeaders: withSecurityHeaders\(details\.responseHeaders\)/);
  assert.match(mainSource, /setWindowOpenHandler\(/);
  assert.match(mainSource, /action: 'deny'/);
});

test("the renderer's Content-Security-Policy: scripts only from its own files, nothing from the network", () => {
  const policy = directives(DESKTOP_CONTENT_SECURITY_POLICY);
  assert.deepEqual(policy.get('script-src'), ["'self'"]);
  assert.deepEqual(policy.get('default-src'), ["'none'"]);
  assert.deepEqual(policy.get('object-src'), ["'none'"]);
  assert.deepEqual(policy.get('base-uri'), ["'none'"]);
  assert.deepEqual(policy.get('frame-ancestors'), ["'none'"]);
  for (const [name, sources] of policy) {
    if (name === 'script-src' || name === 'default-src') {
      assert.ok(!sources.includes("'unsafe-eval'") && !sources.includes("'unsafe-inline'"), `${name} allows no eval and no inline code`);
    }
    for (const source of sources) {
      assert.ok(!/^(https?|wss?):|^\*$|^\*\./.test(source), `${name} allows no network origin (${source})`);
    }
  }
});

test('security headers replace whatever CSP a response carried and keep the other headers', () => {
  const headers = withSecurityHeaders({ 'content-security-policy': ["script-src * 'unsafe-eval'"], 'Content-Type': ['text/html'], 'x-content-type-options': 'sniff' });
  assert.deepEqual(headers['Content-Security-Policy'], [DESKTOP_CONTENT_SECURITY_POLICY]);
  assert.deepEqual(headers['X-Content-Type-Options'], ['nosniff']);
  assert.deepEqual(headers['Content-Type'], ['text/html']);
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  assert.equal(names.filter((name) => name === 'content-security-policy').length, 1);
  assert.equal(names.filter((name) => name === 'x-content-type-options').length, 1);
  assert.deepEqual(withSecurityHeaders(undefined)['Content-Security-Policy'], [DESKTOP_CONTENT_SECURITY_POLICY]);
});

test('the window shows our renderer build only; links leave for the browser only over https', () => {
  assert.equal(RENDERER_INDEX_PATH, join(RENDERER_BUILD_FOLDER, 'index.html'), 'the same renderer build the web shell serves');
  assert.equal(RENDERER_INDEX_URL, pathToFileURL(RENDERER_INDEX_PATH).href);
  assert.ok(RENDERER_INDEX_PATH.endsWith(`${sep}renderer${sep}index.html`));
  assert.equal(isRendererDocument(RENDERER_INDEX_URL), true);
  assert.equal(isRendererDocument(`${RENDERER_INDEX_URL}#/runs/4`), true);
  assert.equal(isRendererDocument(`${RENDERER_INDEX_URL}?perf=1#/compare`), true);
  for (const url of [
    pathToFileURL(join(dirname(RENDERER_INDEX_PATH), 'assets', 'index.js')).href,
    pathToFileURL(resolve('/etc/passwd')).href,
    'https://example.com/',
    'http://127.0.0.1:5173/',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    '',
  ]) {
    assert.equal(isRendererDocument(url), false, url);
  }
  assert.equal(isExternalLink('https://arxiv.org/abs/2403.12350'), true);
  for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) assert.equal(isExternalLink(url), false, url);
});

test('store and concurrency: --db, then FSAM_DB, then studio.db in userData; the Electron build of SQLite in development', () => {
  const userDataFolder = resolve('/home/someone/.config/fsam-studio');
  const base = { argv: ['/usr/bin/electron', '/repo'], env: {}, userDataFolder, packaged: false };
  const plain = desktopOptions(base);
  assert.equal(plain.databasePath, join(userDataFolder, DATABASE_FILE_NAME));
  assert.equal(plain.concurrency, undefined);
  assert.equal(plain.sqliteNativeBinding, electronSqliteBindingPath());
  assert.match(plain.sqliteNativeBinding!, /electron-native[\\/]node_modules[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/);

  assert.equal(desktopOptions({ ...base, env: { FSAM_DB: 'other.db' } }).databasePath, resolve('other.db'));
  assert.equal(desktopOptions({ ...base, argv: [...base.argv, '--db', 'flag.db'], env: { FSAM_DB: 'other.db' } }).databasePath, resolve('flag.db'));
  assert.equal(desktopOptions({ ...base, argv: [...base.argv, '--db=eq.db'] }).databasePath, resolve('eq.db'));
  assert.equal(desktopOptions({ ...base, argv: [...base.argv, '--enable-logging', '--ozone-platform=wayland', '--concurrency', '3'] }).concurrency, 3);
  assert.throws(() => desktopOptions({ ...base, argv: [...base.argv, '--concurrency', '0'] }), /--concurrency must be a whole number ≥ 1, got "0"/);
  assert.throws(() => desktopOptions({ ...base, argv: [...base.argv, '--concurrency', 'many'] }), /got "many"/);
  assert.throws(() => desktopOptions({ ...base, argv: [...base.argv, '--db'] }), /--db needs a file/);

  // the job queue, as the CLI takes it: the flag, else FSAM_QUEUE_URL; a bad one is refused without echoing it
  assert.equal(plain.queue, undefined);
  assert.equal(desktopOptions({ ...base, env: { FSAM_QUEUE_URL: 'redis://:s3cret@gpu-box:6380/2' } }).queue?.redacted, 'redis://:***@gpu-box:6380/2');
  assert.equal(desktopOptions({ ...base, argv: [...base.argv, '--queue', 'rediss://fsam:pw@q.lan:6390'], env: { FSAM_QUEUE_URL: 'redis://other:1/0' } }).queue?.redacted, 'rediss://fsam:***@q.lan:6390/0');
  assert.throws(() => desktopOptions({ ...base, argv: [...base.argv, '--queue', 'http://:s3cret@host'] }), (error: Error) => /--queue: must start with redis:\/\/ or rediss:\/\//.test(error.message) && !error.message.includes('s3cret'));

  const packaged = desktopOptions({ ...base, argv: ['/opt/F-SAM Studio/fsam-studio'], packaged: true });
  assert.equal(packaged.sqliteNativeBinding, undefined, 'packaged, node_modules holds the Electron build');
  assert.equal(packaged.databasePath, join(userDataFolder, DATABASE_FILE_NAME));
});
