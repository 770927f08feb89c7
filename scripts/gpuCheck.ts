/**
 * scripts/gpu-check.sh's body: adapters, golden trajectories and step times per backend, as one JSON object
 * on stdout (progress on stderr). Each backend runs in its own child process, as a run's worker would.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isSoftwareAdapter } from '../app/engine/webgpu.js';

const root = join(import.meta.dirname, '..', '..');
// --out FILE: the report so far is rewritten there after every section, so a check cut short by a machine's
// time limit still leaves what it measured.
const { values } = parseArgs({ options: { steps: { type: 'string', default: '5' }, out: { type: 'string' } } });

function log(line: string): void {
  process.stderr.write(`gpu-check: ${line}\n`);
}

async function adapters(): Promise<unknown[]> {
  try {
    const dawn = createRequire(import.meta.url)('webgpu') as { create(options: string[]): GPU; globals: Record<string, unknown> };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    const found = [];
    for (const powerPreference of ['high-performance', 'low-power'] as const) {
      const adapter = await gpu.requestAdapter({ powerPreference });
      if (!adapter) continue;
      const info = (adapter as GPUAdapter & { info: GPUAdapterInfo }).info;
      found.push({ powerPreference, vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, software: isSoftwareAdapter(info), maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage });
    }
    return found;
  } catch (error) {
    return [{ error: (error as Error).message.split('\n')[0] }];
  }
}

/** The golden replay on one backend: pass/fail counts and each fixture's largest error. */
function golden(backend: string): unknown {
  log(`golden trajectories on ${backend}`);
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', `--test-name-pattern=on ${backend}$|8 storage`, join(root, 'build/test/engine/golden.test.js')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 5 * 60_000,
  });
  const out = result.stdout ?? '';
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)`, 'm').exec(out)?.[1] ?? NaN);
  const errors = [...out.matchAll(new RegExp(`^# ${backend}\\s+(\\S+)\\s+largest error (\\S+) \\(([\\d.]+)% of tolerance`, 'gm'))].map((m) => ({ fixture: m[1], largestError: Number(m[2]), toleranceUsedPercent: Number(m[3]) }));
  return { pass: count('pass'), fail: count('fail'), skipped: count('skipped'), fixtures: errors };
}

/** `fsam-studio bench --json` on one backend (FSAM_BACKEND), ResNet-20 and ResNet-18. */
function bench(backend: string): unknown {
  log(`step times on ${backend}`);
  const result = spawnSync(process.execPath, [join(root, 'build/app/cli/main.js'), 'bench', '--json', '--models', 'resnet20,resnet18', '--steps', values.steps!, '--warmup', '2'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FSAM_BACKEND: backend },
    timeout: 10 * 60_000,
  });
  if (result.status !== 0) {
    // Node ends a crash with its version line: the line naming the error is the one worth reporting.
    const lines = (result.stderr || result.stdout || `exit ${result.status}`).trim().split('\n');
    return { error: lines.find((line) => /error/i.test(line)) ?? lines.at(-1) };
  }
  try {
    return JSON.parse(result.stdout);
  } catch {
    return { error: 'bench printed no JSON' };
  }
}

const started = Date.now();
const report: { adapters: unknown[]; golden: Record<string, unknown>; bench: Record<string, unknown>; seconds?: number } = { adapters: await adapters(), golden: {}, bench: {} };
const keep = () => {
  report.seconds = Math.round((Date.now() - started) / 1000);
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2));
};
keep();
for (const backend of ['webgpu', 'tensorflow']) {
  report.golden[backend] = golden(backend);
  keep();
}
for (const backend of ['webgpu', 'tensorflow', 'wasm']) {
  report.bench[backend] = bench(backend);
  keep();
}
console.log(JSON.stringify(report, null, 2));
