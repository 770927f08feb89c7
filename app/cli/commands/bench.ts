/** `bench`: median step times of sgd, sam and fsam on the small CNN and ResNet-20, and their ratios; the quick preset's compare, timed, on request. */
import { parseArgs } from 'node:util';
import { initBackend } from '../../engine/backend.js';
import { measureIngestion } from '../../store/ingestionBenchmark.js';
import { measureAugmentation } from '../../data/augmentBenchmark.js';
import { BENCHMARK_MODELS, benchmarkSteps, stepRatios } from '../../training/benchmark.js';
import { parseOptimizerList } from '../runOptions.js';
import { describeQuickPreset, timeQuickPreset } from '../quickPresetBench.js';
import { formatTable } from '../table.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';
import { UsageError } from '../usage.js';

export const BENCH_HELP = `fsam-studio bench — how fast a training step is on this machine

Usage: fsam-studio bench [--json] [--steps N] [--warmup N] [--batch-size N] [--models cnn,resnet20,resnet18] [--optimizers sgd,sam,fsam]
                         [--backend tensorflow|webgpu|wasm|cpu] [--quick-preset [--quick-scale F]]

Measures the median milliseconds per training step (forward, backward, optimizer, metrics read back) of each
optimizer on the small CNN (28×28×1) and ResNet-20 (32×32×3), steps interleaved across optimizers so that
noise hits them alike, and prints samOverSgd and fsamOverSam. It also reports the median CPU time of a step,
steadier than wall time when other work shares the cores (wasm and cpu compute on one thread). Defaults: 20 timed steps after 3 warm-up steps,
batch 128. First it measures how many per-step metric rows a second the run store ingests (200,000 rows in
transactions of 500, into a temporary SQLite file), and last the CPU-side augmentation of one batch of 32×32×3
images (crop, flip, cutout).

  --quick-preset         also time \`compare --preset quick\` (sgd, sam and fsam on the built-in data, in worker
                         threads at the default concurrency, into a temporary store): its wall time, and each
                         run's final test accuracy, seconds and steps/s. Minutes, not seconds: off by default
  --quick-scale F        train and test on F times the preset's examples (0 < F ≤ 1, default 1)
  --backend NAME         time this backend (default: the best that loads, or FSAM_BACKEND); webgpu on a software
                         adapter (lavapipe) is for the record only: slower than wasm`;

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`--${flag} must be a whole number ≥ 1, got "${value}"`);
  return parsed;
}

function fraction(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !(parsed > 0 && parsed <= 1)) throw new UsageError(`--${flag} must be a number more than 0 and at most 1, got "${value}"`);
  return parsed;
}

export async function benchCommand(args: string[]): Promise<number> {
  let flags;
  try {
    const options = {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'batch-size': { type: 'string' },
      models: { type: 'string' },
      optimizers: { type: 'string' },
      'quick-preset': { type: 'boolean' },
      'quick-scale': { type: 'string' },
      backend: { type: 'string' },
    } as const;
    flags = parseArgs({ args: joinNegativeValues(args, options), options, strict: true }).values;
  } catch (error) {
    throw usageErrorFrom(error);
  }
  if (flags.help) {
    console.log(BENCH_HELP);
    return 0;
  }
  // ResNet-18 is for the GPU check (scripts/gpu-check.sh): on two CPU cores one step takes many seconds
  const modelNames = (flags.models ?? 'cnn,resnet20').split(',').map((s) => s.trim());
  const models = modelNames.map((name) => {
    const found = BENCHMARK_MODELS.find((m) => m.model === name);
    if (!found) throw new UsageError(`--models: "${name}" is not a benchmark model; use ${BENCHMARK_MODELS.map((m) => m.model).join(', ')}`);
    return found;
  });
  const batchSize = positiveInteger('batch-size', flags['batch-size'], 128);
  const timedSteps = positiveInteger('steps', flags.steps, 20);
  const warmupSteps = positiveInteger('warmup', flags.warmup, 3);
  const quickScale = fraction('quick-scale', flags['quick-scale'], 1);
  if (flags['quick-scale'] !== undefined && !flags['quick-preset']) throw new UsageError('--quick-scale applies to --quick-preset; add --quick-preset');
  const storeIngestion = measureIngestion();
  // --backend is FSAM_BACKEND for this command (webgpu on a software adapter only when asked for)
  const backend = await initBackend(flags.backend ?? process.env.FSAM_BACKEND);
  const showProgress = !flags.json && process.stderr.isTTY;
  const timings = await benchmarkSteps({
    models,
    optimizers: parseOptimizerList('optimizers', flags.optimizers ?? 'sgd,sam,fsam'),
    batchSize,
    warmupSteps,
    timedSteps,
    onProgress: showProgress ? (message) => process.stderr.write(`\r${message}   `) : undefined,
  });
  if (showProgress) process.stderr.write('\n');
  const augmentation = measureAugmentation(batchSize);
  // last: its runs train in worker threads, which would disturb the step timings above
  const quickPreset = flags['quick-preset']
    ? await timeQuickPreset({ scale: quickScale, onProgress: showProgress ? (message) => process.stderr.write(`\r${message}   `) : undefined })
    : undefined;
  if (showProgress && quickPreset) process.stderr.write('\n');
  const report = { backend: backend.name, device: backend.device, batchSize, warmupSteps, timedSteps, steps: timings, ratios: stepRatios(timings), storeIngestion, augmentation, ...(quickPreset ? { quickPreset } : {}) };
  if (flags.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  console.log(`backend: ${backend.name} — ${backend.device}; batch ${batchSize}, median of ${timedSteps} steps after ${warmupSteps} warm-up`);
  console.log(formatTable(['model', 'optimizer', 'median ms/step', 'min ms', 'median CPU ms'], timings.map((t) => [t.model, t.optimizer, t.medianMs.toFixed(1), t.minMs.toFixed(1), t.medianCpuMs.toFixed(1)])));
  for (const [model, ratio] of Object.entries(report.ratios)) {
    console.log(`${model}: sam/sgd ${ratio.samOverSgd?.toFixed(3) ?? '—'}, fsam/sam ${ratio.fsamOverSam?.toFixed(3) ?? '—'}`);
  }
  console.log(`store ingestion: ${Math.round(storeIngestion.rowsPerSecond).toLocaleString('en')} metric rows/s (${storeIngestion.rows.toLocaleString('en')} rows in transactions of ${storeIngestion.batchSize})`);
  console.log(`augmentation, batch ${batchSize} of 32×32×3: ${augmentation.map((a) => `${a.transforms} ${a.medianMs.toFixed(2)} ms`).join(', ')}`);
  if (quickPreset) console.log(describeQuickPreset(quickPreset).join('\n'));
  return 0;
}
