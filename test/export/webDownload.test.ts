/** The web shell's download route: only recorded exports and reports, only with the token, saved under their name. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StudioService } from '../../app/api/service.js';
import { startWebShell } from '../../main/web/webShell.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

const folder = temporaryFolder('fsam-web-download-');
after(() => folder.remove());

test('GET /files/<id> serves an exported file with Content-Disposition, and nothing else', async () => {
  const renderer = join(folder.path, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
  const service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  const shell = await startWebShell({ api: service, files: (id) => service.downloadableFile(id), rendererFolder: renderer });
  try {
    const run = await service.startRun({ config: tinyRunConfig({ epochs: 1 }) });
    await service.manager.waitForEnd(run.id);
    const [csv] = (await service.exportRun({ runId: run.id, format: 'csv' })).files;
    const base = `http://127.0.0.1:${shell.port}`;
    const cookie = ((await fetch(`${base}/?token=${shell.token}`)).headers.get('set-cookie') ?? '').split(';')[0]!;

    const response = await fetch(`${base}/files/${csv!.fileId}`, { headers: { cookie } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="run-${run.id}-metrics.csv"; filename*=UTF-8''run-${run.id}-metrics.csv`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await response.text(), readFileSync(csv!.path, 'utf8'));

    // no token, a foreign Origin, a checkpoint (not an export), an unknown id: refused or not found
    assert.equal((await fetch(`${base}/files/${csv!.fileId}`)).status, 403);
    assert.equal((await fetch(`${base}/files/${csv!.fileId}`, { headers: { cookie, origin: 'http://evil.example' } })).status, 403);
    const checkpoint = service.store.latestCheckpoint(run.id)!;
    assert.equal((await fetch(`${base}/files/${checkpoint.id}`, { headers: { cookie } })).status, 404);
    assert.equal((await fetch(`${base}/files/99999`, { headers: { cookie } })).status, 404);
    assert.equal((await fetch(`${base}/files/..%2Fstudio.db`, { headers: { cookie } })).status, 404);
  } finally {
    await shell.close();
    await service.close();
  }
});
