/**
 * The desktop save channel's handler on a real service and store, called as ipcMain calls it (the event is
 * faked: Electron's binary cannot run here; the save dialog is the one function passed in). It copies only
 * recorded exports, only for the studio's window, and checks its input.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StudioService } from '../../app/api/service.js';
import { createSaveExportHandler, studioSenderCheck, type IpcEventLike } from '../../main/electron/ipc.js';
import { temporaryFolder, tinyRunConfig } from '../support/runs.js';

const folder = temporaryFolder('fsam-desktop-save-');
after(() => folder.remove());
const OUR_CONTENTS = 3;
const RENDERER_URL = pathToFileURL('/opt/F-SAM Studio/resources/app.asar/build/renderer/index.html').href;

function eventFrom(contentsId: number, url = `${RENDERER_URL}#/runs/1`): IpcEventLike {
  return { sender: { id: contentsId, send: () => {}, isDestroyed: () => false }, senderFrame: { url, parent: null } };
}

test('saveExport copies a recorded export where the user chose, and refuses everything else', async () => {
  const service = StudioService.open({ databasePath: join(folder.path, 'studio.db'), concurrency: 1 });
  try {
    const run = await service.startRun({ config: tinyRunConfig({ epochs: 1 }) });
    await service.manager.waitForEnd(run.id);
    const [report] = (await service.exportRun({ runId: run.id, format: 'report' })).files;
    const asked: string[] = [];
    let answer: string | undefined = join(folder.path, 'chosen.html');
    const handler = createSaveExportHandler(
      (id) => service.downloadableFile(id),
      async (_event, file) => {
        asked.push(file.name);
        return answer;
      },
      studioSenderCheck((id) => id === OUR_CONTENTS, RENDERER_URL),
    );

    assert.deepEqual(await handler(eventFrom(OUR_CONTENTS), report!.fileId), { ok: true, value: { savedTo: join(folder.path, 'chosen.html') } });
    assert.deepEqual(asked, [`run-${run.id}-report.html`], 'the dialog proposes the file\'s own name');
    assert.equal(readFileSync(join(folder.path, 'chosen.html'), 'utf8'), readFileSync(report!.path, 'utf8'));

    answer = undefined; // the user cancels
    assert.deepEqual(await handler(eventFrom(OUR_CONTENTS), report!.fileId), { ok: true, value: { savedTo: null } });

    answer = join(folder.path, 'never.bin');
    const foreign = await handler(eventFrom(99), report!.fileId);
    assert.equal(foreign.ok, false);
    assert.equal(!foreign.ok && foreign.error.name, 'SecurityError');
    const checkpoint = service.store.latestCheckpoint(run.id)!;
    const notExport = await handler(eventFrom(OUR_CONTENTS), checkpoint.id);
    assert.equal(!notExport.ok && notExport.error.name, 'NotFoundError');
    const bad = await handler(eventFrom(OUR_CONTENTS), '1; rm -rf /');
    assert.equal(!bad.ok && bad.error.name, 'ConfigError');
    assert.match(!bad.ok ? bad.error.message : '', /fileId/);
    assert.ok(!existsSync(answer), 'nothing was written for a refused request');
  } finally {
    await service.close();
  }
});
