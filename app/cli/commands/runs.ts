/** `runs list|show|resume|delete`: read and manage the runs kept in the store. */
import { parseArgs } from 'node:util';
import type { RunDetail, RunInfo } from '../../api/types.js';
import { resultsTable, runReport, trainingTime } from '../reports.js';
import { EXIT_INTERRUPTED, openSession, STORE_FLAGS, STORE_FLAGS_HELP, type Session } from '../session.js';
import { fixed, formatTable, percent } from '../table.js';
import { UsageError } from '../usage.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';

export const RUNS_HELP = `fsam-studio runs — the runs kept in the store

Usage:
  fsam-studio runs list [--json]            every run, newest first
  fsam-studio runs show RUN [--json]        one run: config, status history, epochs, files
  fsam-studio runs resume RUN [--json]      continue a stopped, interrupted or failed run from its last checkpoint
  fsam-studio runs delete RUN [RUN …]       delete runs with their metrics and files

${STORE_FLAGS_HELP}`;

function runIdArgument(value: string | undefined): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id < 1) throw new UsageError(`expected a run id (a whole number ≥ 1), got ${value === undefined ? 'nothing' : `"${value}"`}; see fsam-studio runs list`);
  return id;
}

function time(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export async function runsCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    const options = { ...STORE_FLAGS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorFrom(error);
  }
  const { values: flags, positionals } = parsed;
  const [action, ...ids] = positionals;
  if (flags.help || action === undefined) {
    console.log(RUNS_HELP);
    return flags.help ? 0 : 2;
  }
  if (!['list', 'show', 'resume', 'delete'].includes(action)) throw new UsageError(`runs: "${action}" is not an action; use list, show, resume or delete`);
  const json = Boolean(flags.json);
  const runIds = ids.map(runIdArgument);
  if (action !== 'list' && runIds.length === 0) throw new UsageError(`runs ${action} needs a run id; see fsam-studio runs list`);
  if ((action === 'show' || action === 'resume') && runIds.length > 1) throw new UsageError(`runs ${action} takes one run id`);

  const session = openSession(flags);
  const { service } = session;
  try {
    switch (action) {
      case 'list': {
        const runs = await service.listRuns();
        if (json) console.log(JSON.stringify({ database: service.store.path, runs: runs.map(runReport) }, null, 2));
        else if (runs.length === 0) console.log(`No runs in ${service.store.path} yet: try fsam-studio train --preset quick`);
        else console.log(listTable(runs));
        return 0;
      }
      case 'show': {
        const detail = await service.getRun(runIds[0]!);
        console.log(json ? JSON.stringify(detail, null, 2) : describeRun(detail));
        return 0;
      }
      case 'resume': {
        const run = await service.resumeRun(runIds[0]!);
        if (!json) console.log(`run ${run.id}: ${await resumeMessage(service, run)}`);
        const ended = await session.follow(run, `run ${run.id} ${run.arm ?? run.config.optimizer.name}`, json);
        if (json) console.log(JSON.stringify({ database: service.store.path, runs: [runReport(ended)] }, null, 2));
        else console.log(`\n${resultsTable([ended])}`);
        if (session.interrupted) return EXIT_INTERRUPTED;
        return ended.status === 'completed' ? 0 : 1;
      }
      default: {
        for (const runId of runIds) {
          await service.deleteRun(runId);
          if (!json) console.log(`deleted run ${runId}`);
        }
        if (json) console.log(JSON.stringify({ deleted: runIds }));
        return 0;
      }
    }
  } finally {
    await session.close();
  }
}

/**
 * What resuming did ("resumed from the checkpoint after step 40"): the run may already be running, with no
 * message of its own, by the time resumeRun returns; the queued transition that resuming recorded has it.
 */
async function resumeMessage(service: Session['service'], run: RunInfo): Promise<string> {
  if (run.message) return run.message;
  const { transitions } = await service.getRun(run.id);
  const said = [...transitions].reverse().find((transition) => transition.message);
  return said?.message ?? `${run.status === 'running' ? 'resumed' : run.status}`;
}

function listTable(runs: RunInfo[]): string {
  return formatTable(
    ['id', 'name', 'status', 'progress', 'best test acc', 'final test acc', 'steps/s', 'backend', 'created'],
    runs.map((run) => [
      run.id,
      run.name,
      run.status,
      run.totalSteps ? `${run.step}/${run.totalSteps}` : '—',
      percent(run.bestTestAccuracy),
      percent(run.finalTestAccuracy),
      fixed(run.stepsPerSecond, 2),
      run.backend ?? '—',
      time(run.createdAt),
    ]),
  );
}

function describeRun({ run, epochs, transitions, files }: RunDetail): string {
  const lines = [
    `run ${run.id}: ${run.name}`,
    `status: ${run.status}${run.message ? ` — ${run.message}` : ''}`,
    `backend: ${run.backend ?? '—'} ${run.device ? `(${run.device})` : ''}`,
    `progress: ${run.step}/${run.totalSteps ?? '?'} steps, ${run.epochsDone}/${run.config.epochs} epochs, ${fixed(run.stepsPerSecond, 2)} steps/s`,
    `training time: ${trainingTime(run)}`,
    run.comparisonId !== null ? `comparison: ${run.comparisonId} (arm ${run.arm})` : '',
    `config: ${JSON.stringify(run.config)}`,
    ...(run.configProblem !== undefined ? [`config problem: ${run.configProblem}`] : []),
    '',
    'history:',
    ...transitions.map((t) => `  ${time(t.at)}  ${t.status}${t.message ? ` — ${t.message}` : ''}`),
  ];
  if (epochs.length > 0) {
    lines.push(
      '',
      formatTable(
        ['epoch', 'step', 'train loss', 'train acc', 'test loss', 'test acc', 'elapsed s'],
        epochs.map((e) => [e.epoch + 1, e.step, e.train.loss.toFixed(4), percent(e.train.accuracy), e.test.loss.toFixed(4), percent(e.test.accuracy), (e.elapsedMs / 1000).toFixed(1)]),
      ),
    );
  }
  if (files.length > 0) lines.push('', 'files:', ...files.map((f) => `  ${f.kind}  ${f.path}  ${(f.bytes / 1024).toFixed(0)} KiB${f.step !== null ? `  after step ${f.step}` : ''}`));
  return lines.filter((line, i) => line !== '' || i > 0).join('\n');
}
