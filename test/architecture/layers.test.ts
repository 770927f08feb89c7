/**
 * The layer rules (.dependency-cruiser.cjs) hold on the repository, and they would catch a breach: the same
 * rules run over a small tree with one deliberate breach of each kind, and every one is reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../support/paths.js';

const CRUISER = join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(repoRoot, '.dependency-cruiser.cjs');

function cruise(cwd: string, folders: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [CRUISER, ...folders, '--config', CONFIG, '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('the repository keeps its layers: no violation, no import cycle', () => {
  const { status, output } = cruise(repoRoot, ['app', 'main', 'renderer/src']);
  assert.equal(status, 0, output);
  assert.match(output, /no dependency violations found \((\d+) modules/);
  const modules = Number(/\((\d+) modules/.exec(output)![1]);
  assert.ok(modules > 150, `the check saw the whole tree (${modules} modules)`);
});

test('each rule reports its breach in a tree built to break them', () => {
  const root = mkdtempSync(join(tmpdir(), 'fsam-layers-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['**/*.ts'] }),
      'app/domain/metrics.ts': "import type { Store } from '../store/store.js';\nexport type Row = Store;\n",
      'app/store/store.ts': "import type { Api } from '../api/types.js';\nexport interface Store { api: Api }\n",
      'app/api/types.ts': "export interface Api { name: string }\n",
      'app/data/a.ts': "import type { B } from './b.js';\nexport interface A { b: B }\n",
      'app/data/b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
      'app/training/trainer.ts': "import { shell } from '../../main/web/shell.js';\nexport const trainer = shell;\n",
      'main/web/shell.ts': "export const shell = 1;\n",
      // the job queue sits beside the run manager: below the service it serves
      'app/queue/worker.ts': "import type { Api } from '../api/types.js';\nexport type Job = Api;\n",
      'renderer/src/screen.ts': "import type { Store } from '../../app/store/store.js';\nimport { readFileSync } from 'node:fs';\nexport const read: (s: Store) => unknown = () => readFileSync;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const { status, output } = cruise(root, ['app', 'main', 'renderer']);
    assert.notEqual(status, 0, 'breaches make the check fail');
    for (const rule of ['no-circular', 'layer-domain', 'domain-imports-only-domain', 'layer-store', 'app-not-main', 'layer-training', 'layer-runs-queue-analysis-and-export', 'renderer-sees-only-the-contract', 'renderer-no-node']) {
      assert.match(output, new RegExp(`error ${rule}:`), `${rule} is reported\n${output}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
