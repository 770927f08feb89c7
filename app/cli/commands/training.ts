/**
 * `train` and `compare`: start runs through the studio service (so they train in worker threads and are
 * kept in the store), follow them to the end, then print a table or one JSON object.
 */
import { parseArgs } from 'node:util';
import type { ComparisonDetail, RunInfo } from '../../api/types.js';
import type { OptimizerName } from '../../optim/config.js';
import { buildRunConfig, parseOptimizerList, parseSeedList, RUN_FLAGS, RUN_FLAGS_HELP } from '../runOptions.js';
import { EXIT_INTERRUPTED, openSession, STORE_FLAGS, STORE_FLAGS_HELP, type Session } from '../session.js';
import { describeComparison, resultsTable, runReport } from '../reports.js';
import { UsageError } from '../usage.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';

export const TRAIN_HELP = `fsam-studio train — train one model, keep the run in the store, print its results

Usage: fsam-studio train [--optimizer sgd|sam|fsam] [--name TEXT] [run settings]

  --optimizer NAME       sgd, sam (ASAM with --adaptive) or fsam (default fsam)
  --name TEXT            the run's name in the store (default: optimizer · model · data · seed)

${RUN_FLAGS_HELP}

${STORE_FLAGS_HELP}

Ctrl+C stops the run with a checkpoint; \`fsam-studio runs resume ID\` continues it.

Examples:
  fsam-studio train --preset quick --optimizer fsam
  fsam-studio train --data /usr/share/datasets/fashion-mnist --epochs 6 --optimizer sam --rho 0.1`;

export const COMPARE_HELP = `fsam-studio compare — train several optimizers from the same seeds (a paired comparison)

Usage: fsam-studio compare [--optimizers sgd,sam,fsam] [--seeds 1,2,3] [--baseline NAME] [--name TEXT] [run settings]

  --optimizers LIST      comma-separated, default sgd,sam,fsam
  --seeds LIST           one run per optimizer and seed (default: --seed, else 1)
  --baseline NAME        the optimizer the others are measured against (default: the first listed)
  --name TEXT            the comparison's name in the store

Prints each optimizer's mean ± sd of final and best test accuracy over the seeds, and every optimizer's
mean paired difference from the baseline with a 95% confidence interval (Student t over seeds). Only
completed runs count: a run still training is listed as provisional, one stopped, interrupted, diverged
or failed as not counted, and no winner is named until every optimizer completed every seed.

${RUN_FLAGS_HELP}

${STORE_FLAGS_HELP}

Example:
  fsam-studio compare --preset quick --optimizers sam,fsam --seeds 1,2,3`;

type ExtraFlags = Record<string, { type: 'string' }>;

export function parseFlags<Extra extends ExtraFlags>(args: string[], extra: Extra) {
  const options = { ...RUN_FLAGS, ...STORE_FLAGS, ...extra };
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: false }).values as ReturnType<
      typeof parseArgs<{ options: typeof RUN_FLAGS & typeof STORE_FLAGS }>
    >['values'] & { [K in keyof Extra]?: string };
  } catch (error) {
    throw usageErrorFrom(error);
  }
}

export async function trainCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, { optimizer: { type: 'string' }, name: { type: 'string' } });
  if (flags.help) return printHelp(TRAIN_HELP);
  const [optimizer] = parseOptimizerList('optimizer', flags.optimizer ?? 'fsam');
  const config = buildRunConfig(flags, optimizer!);
  const json = Boolean(flags.json);
  const session = openSession(flags);
  try {
    // refused (exit 2, the field named) before the backend starts: the service checks the data first
    const run = await session.service.startRun({ name: flags.name, config });
    const info = await session.service.info();
    if (!json) console.log(session.header(info));
    const ended = await session.follow(run, `run ${run.id} ${config.optimizer.name}`, json);
    if (json) console.log(JSON.stringify({ backend: info.backend.name, device: info.backend.device, database: info.databasePath, runs: [runReport(ended)] }, null, 2));
    else console.log(`\n${resultsTable([ended])}`);
    return exitCode(session, [ended]);
  } finally {
    await session.close();
  }
}

export async function compareCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, { optimizers: { type: 'string' }, seeds: { type: 'string' }, baseline: { type: 'string' }, name: { type: 'string' } });
  if (flags.help) return printHelp(COMPARE_HELP);
  const optimizers: OptimizerName[] = parseOptimizerList('optimizers', flags.optimizers ?? 'sgd,sam,fsam');
  if (new Set(optimizers).size !== optimizers.length) throw new UsageError('--optimizers: name each optimizer once');
  if (optimizers.length < 2) throw new UsageError('--optimizers: a comparison needs at least two optimizers');
  const seeds = flags.seeds !== undefined ? parseSeedList(flags.seeds) : undefined;
  const baseline = flags.baseline ?? optimizers[0]!;
  if (!optimizers.includes(baseline as OptimizerName)) throw new UsageError(`--baseline: "${baseline}" is not one of --optimizers (${optimizers.join(', ')})`);
  // the shared config, built (and validated) once; each arm then sets only the optimizer's name
  const base = buildRunConfig(flags, optimizers[0]!);
  const json = Boolean(flags.json);
  const session = openSession(flags);
  try {
    const detail = await session.service.createComparison({
      name: flags.name ?? `${optimizers.join(' vs ')} · ${base.model} · ${base.data.name}`,
      config: base,
      arms: optimizers.map((name) => ({ optimizer: { name } })),
      seeds: seeds ?? [base.seed],
      baseline,
    });
    const info = await session.service.info();
    if (!json) console.log(session.header(info));
    const ended: RunInfo[] = [];
    for (const run of detail.runs) {
      if (session.interrupted) break;
      ended.push(await session.follow(run, `run ${run.id} ${run.arm} seed ${run.config.seed}`, json));
    }
    const final = await session.service.getComparison(detail.comparison.id);
    printComparison(final, info.backend, info.databasePath, json);
    return exitCode(session, final.runs);
  } finally {
    await session.close();
  }
}

function printComparison(detail: ComparisonDetail, backend: { name: string; device: string }, database: string, json: boolean): void {
  if (json) {
    console.log(
      JSON.stringify(
        { backend: backend.name, device: backend.device, database, comparison: detail.comparison, runs: detail.runs.map(runReport), results: detail.results },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`\n${resultsTable(detail.runs, { comparison: true })}\n\n${describeComparison(detail)}`);
}

function exitCode(session: Session, runs: RunInfo[]): number {
  if (session.interrupted) return EXIT_INTERRUPTED;
  return runs.some((run) => run.status === 'diverged' || run.status === 'failed') ? 1 : 0;
}

function printHelp(text: string): number {
  console.log(text);
  return 0;
}
