/** `train` and `compare`: run one or more configs to the end, then print a table or one JSON object. */
import { parseArgs } from 'node:util';
import { initBackend, type BackendInfo } from '../../engine/backend.js';
import { loadDataset } from '../../data/index.js';
import type { OptimizerName } from '../../optim/config.js';
import type { TrainConfig } from '../../training/config.js';
import { runTraining } from '../../training/runLocal.js';
import type { RunSummary } from '../../training/trainer.js';
import { createProgressReporter } from '../progress.js';
import { buildRunConfig, parseOptimizerList, parseSeedList, RUN_FLAGS, RUN_FLAGS_HELP } from '../runOptions.js';
import { fixed, formatTable, percent } from '../table.js';
import { UsageError } from '../usage.js';

export const TRAIN_HELP = `fsam-studio train — train one model and print its results

Usage: fsam-studio train [--optimizer sgd|sam|fsam] [run settings]

  --optimizer NAME       sgd, sam (ASAM with --adaptive) or fsam (default fsam)

${RUN_FLAGS_HELP}

Examples:
  fsam-studio train --preset quick --optimizer fsam
  fsam-studio train --data /usr/share/datasets/fashion-mnist --epochs 6 --optimizer sam --rho 0.1`;

export const COMPARE_HELP = `fsam-studio compare — train several optimizers from one seed (a paired comparison)

Usage: fsam-studio compare [--optimizers sgd,sam,fsam] [--seeds 1,2,3] [run settings]

  --optimizers LIST      comma-separated, default sgd,sam,fsam
  --seeds LIST           repeat the comparison for each seed (default: --seed, else 1)

${RUN_FLAGS_HELP}

Example:
  fsam-studio compare --preset quick --optimizers sam,fsam --seeds 1,2,3`;

interface RunResult {
  config: TrainConfig;
  summary: RunSummary;
}

function parseRunArgs<Extra extends Record<string, { type: 'string' }>>(args: string[], extra: Extra) {
  try {
    return parseArgs({ args, options: { ...RUN_FLAGS, ...extra }, strict: true, allowPositionals: false }).values as ReturnType<typeof parseArgs<{ options: typeof RUN_FLAGS }>>['values'] & { [K in keyof Extra]?: string };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function trainCommand(args: string[]): Promise<number> {
  const flags = parseRunArgs(args, { optimizer: { type: 'string' } });
  if (flags.help) return printHelp(TRAIN_HELP);
  const [optimizer] = parseOptimizerList('optimizer', flags.optimizer ?? 'fsam');
  return executeRuns([buildRunConfig(flags, optimizer!)], Boolean(flags.json));
}

export async function compareCommand(args: string[]): Promise<number> {
  const flags = parseRunArgs(args, { optimizers: { type: 'string' }, seeds: { type: 'string' } });
  if (flags.help) return printHelp(COMPARE_HELP);
  const optimizers: OptimizerName[] = parseOptimizerList('optimizers', flags.optimizers ?? 'sgd,sam,fsam');
  const seeds = flags.seeds !== undefined ? parseSeedList(flags.seeds) : [undefined];
  const configs = seeds.flatMap((seed) =>
    optimizers.map((name) => buildRunConfig({ ...flags, seed: seed === undefined ? flags.seed : String(seed) }, name)),
  );
  return executeRuns(configs, Boolean(flags.json));
}

function printHelp(text: string): number {
  console.log(text);
  return 0;
}

async function executeRuns(configs: TrainConfig[], json: boolean): Promise<number> {
  const backend = await initBackend();
  if (!json) console.log(`backend: ${backend.name} — ${backend.device}`);
  // every run of a command trains on the same data (the first config's; they differ only in optimizer and seed)
  const dataset = await loadDataset(configs[0]!.data);
  if (!json) console.log(`data: ${dataset.source}`);
  const results: RunResult[] = [];
  for (const config of configs) {
    const label = `${config.optimizer.name} seed ${config.seed}`;
    const reporter = createProgressReporter(label, json ? 'json' : 'auto');
    const summary = await runTraining(config, dataset, (event) => reporter.onEvent(event));
    results.push({ config, summary });
  }
  if (json) console.log(JSON.stringify(jsonReport(backend, results), null, 2));
  else console.log(`\n${resultsTable(results)}`);
  return results.some((r) => r.summary.status === 'diverged') ? 1 : 0;
}

function jsonReport(backend: BackendInfo, results: RunResult[]) {
  return {
    backend: backend.name,
    device: backend.device,
    runs: results.map(({ config, summary }) => ({
      optimizer: config.optimizer.name,
      seed: config.seed,
      status: summary.status,
      finalTestAccuracy: summary.finalTestAccuracy,
      bestTestAccuracy: summary.bestTestAccuracy,
      finalTrainLoss: summary.finalTrainLoss,
      steps: summary.steps,
      wallSeconds: summary.wallSeconds,
      stepsPerSecond: summary.stepsPerSecond,
    })),
  };
}

function resultsTable(results: RunResult[]): string {
  return formatTable(
    ['optimizer', 'seed', 'status', 'final test acc', 'best test acc', 'final train loss', 'steps', 'wall s', 'steps/s'],
    results.map(({ config, summary }) => [
      config.optimizer.name + (config.optimizer.adaptive ? ' (adaptive)' : ''),
      config.seed,
      summary.status,
      percent(summary.finalTestAccuracy),
      percent(summary.bestTestAccuracy),
      fixed(summary.finalTrainLoss, 4),
      summary.steps,
      summary.wallSeconds.toFixed(1),
      summary.stepsPerSecond.toFixed(2),
    ]),
  );
}
