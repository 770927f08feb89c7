/** `analyze RUN`: how flat a run's minimum is — SAM sharpness, top Hessian eigenvalue, loss landscape — stored with the run. */
import { parseArgs } from 'node:util';
import { analysisOptionsSchema } from '../../analysis/options.js';
import type { AnalysisInfo, AnalysisOptions, AnalysisResult } from '../../domain/analysis.js';
import { EXIT_INTERRUPTED, openSession, STORE_FLAGS, STORE_FLAGS_HELP } from '../session.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';
import { UsageError } from '../usage.js';
import { parseOrProblems } from '../../validation.js';

/** Each option's flag; the option's default and limits come from analysisOptionsSchema. */
const FLAGS: Record<Exclude<keyof AnalysisOptions, 'split'>, string> = {
  rho: 'rho',
  batches: 'batches',
  batchSize: 'batch-size',
  ascentSteps: 'ascent-steps',
  powerIterations: 'iterations',
  tolerance: 'tolerance',
  seed: 'seed',
  curvePoints: 'points',
  surfacePoints: 'surface-points',
  range: 'range',
};

export const ANALYZE_HELP = `fsam-studio analyze — how flat the minimum a run found is

Usage: fsam-studio analyze RUN [options]

Measures the run's latest checkpoint (the run must have ended, or be stopped) and keeps the result with the
run, where the Run and Compare screens show it. Use the same --seed for every run of a comparison: they are
then measured on the same batches along the same random directions.

Options:
  --rho R                radius of the SAM sharpness ball (default 0.05)
  --batches N            fixed batches the losses are averaged over (default 4)
  --batch-size N         examples per batch (default 128)
  --ascent-steps N       gradient-ascent steps of the sharpness estimate; 1 = SAM's own step (default 5)
  --iterations N         most power iterations for the top Hessian eigenvalue (default 20)
  --tolerance T          power iteration stops when estimates change by at most this fraction (default 0.001)
  --seed N               seed of the batches and directions (default 0)
  --points N             points of the 1D loss curve (default 21)
  --surface-points N     points per side of the 2D loss surface (default 11)
  --range A              α, β from −A to A in units of the filter-normalised direction (default 1)
  --split train|test     data the losses are measured on (default train)
  --json                 print one JSON object {"database", "analysis"} instead of a summary

${STORE_FLAGS_HELP}`;

function parseFlags(args: string[]) {
  const numberFlags = Object.fromEntries(Object.values(FLAGS).map((flag) => [flag, { type: 'string' as const }]));
  const options = { ...STORE_FLAGS, ...numberFlags, split: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorFrom(error);
  }
}

/** The options from the flags, checked by the service's own schema; a bad value is named by its flag. */
function optionsFrom(values: Record<string, string | boolean | undefined>): AnalysisOptions {
  const input: Record<string, unknown> = {};
  for (const [option, flag] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got "${raw}"`);
    input[option] = value;
  }
  if (typeof values.split === 'string') input.split = values.split;
  const parsed = parseOrProblems(analysisOptionsSchema, input);
  if (!parsed.ok) {
    const { field, message } = parsed.problems[0]!;
    const option = field.split('.')[0]!;
    const flag = option === 'split' ? 'split' : FLAGS[option as keyof typeof FLAGS];
    throw new UsageError(`--${flag} ${message}`);
  }
  return parsed.value;
}

function number(value: number, digits = 4): string {
  return Math.abs(value) >= 1000 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(3) : value.toFixed(digits);
}

export function describeAnalysis(runLabel: string, result: AnalysisResult, options: AnalysisOptions): string {
  const { hessian, sharpness, curve } = result;
  const middle = Math.floor(curve.alphas.length / 2);
  const edges = [0, middle, curve.alphas.length - 1].map((i) => `${number(curve.alphas[i]!, 2)}: ${number(curve.losses[i]!)}`).join(', ');
  return [
    `${runLabel}: the checkpoint after step ${result.step}, on ${result.examples} ${options.split} examples (${result.batches} batches), ${result.backend}, ${(result.elapsedMs / 1000).toFixed(1)} s`,
    `  loss at w                    ${number(result.loss)}`,
    `  SAM sharpness (ρ = ${sharpness.rho})   ${number(sharpness.mean)}   mean of ${sharpness.perBatch.length} batches, ${sharpness.ascentSteps} ascent steps`,
    `  top Hessian eigenvalue       ${number(hessian.topEigenvalue, 3)}   ${hessian.converged ? 'converged' : 'not converged'} after ${hessian.iterations} power iterations`,
    `  loss along a filter-normalised direction (α: loss) ${edges}`,
  ].join('\n');
}

export async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args);
  if (values.help) {
    console.log(ANALYZE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`analyze takes one run id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}; see fsam-studio runs list`);
  const runId = Number(positionals[0]);
  if (!Number.isInteger(runId) || runId < 1) throw new UsageError(`expected a run id (a whole number ≥ 1), got "${positionals[0]}"; see fsam-studio runs list`);
  const options = optionsFrom(values);
  const json = Boolean(values.json);

  const session = openSession(values);
  const { service } = session;
  try {
    const run = (await service.getRun(runId)).run;
    const started = await service.analyzeRun({ runId, ...options });
    const ended = await followAnalysis(service.analyses.waitForEnd(started.id), () => service.store.analyses.find(started.id), json);
    if (json) console.log(JSON.stringify({ database: service.store.path, analysis: ended }, null, 2));
    else if (ended.result) console.log(describeAnalysis(`run ${run.id} (${run.arm ?? run.config.optimizer.name})`, ended.result, ended.options));
    if (ended.status === 'completed') return 0;
    if (!json) console.error(`fsam-studio: the analysis of run ${runId} ${ended.status}: ${ended.message ?? ''}`);
    return session.interrupted ? EXIT_INTERRUPTED : 1;
  } finally {
    await session.close();
  }
}

/** Reports each phase as it starts (on stderr, so --json output stays one object), until the analysis ends. */
async function followAnalysis(end: Promise<AnalysisInfo>, current: () => AnalysisInfo | undefined, json: boolean): Promise<AnalysisInfo> {
  let phase = '';
  const timer = setInterval(() => {
    const progress = current()?.progress;
    if (json || !progress || progress.phase === phase) return;
    phase = progress.phase;
    process.stderr.write(`  ${phase}… (${Math.round(progress.fraction * 100)} %)\n`);
  }, 250);
  try {
    return await end;
  } finally {
    clearInterval(timer);
  }
}
