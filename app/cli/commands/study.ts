/**
 * `study`: the paper's experiments from the command line. A study from a preset or a JSON file is created,
 * its runs are followed to their end (Ctrl+C stops them with a checkpoint; `study resume ID` goes on), and
 * its table of cells is printed with 95 % intervals over seeds (or the whole result as --json).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { STUDY_PRESETS } from '../../api/studyPresets.js';
import { describeValue } from '../../api/studyPlan.js';
import { ACTIVE_STATUSES, STUDY_EXPORT_FORMATS, STUDY_PARAMETER_LABELS, type NewStudy, type RunInfo, type SeedEstimate, type StudyDetail, type StudyExportFormat } from '../../api/types.js';
import { runReport } from '../reports.js';
import { parseSeedList } from '../runOptions.js';
import { EXIT_INTERRUPTED, openSession, STORE_FLAGS, STORE_FLAGS_HELP, type Session } from '../session.js';
import { formatTable } from '../table.js';
import { UsageError } from '../usage.js';

export const STUDY_HELP = `fsam-studio study — a grid of runs (arms × one swept setting × seeds), paired by seed, with 95 % intervals

Usage:
  fsam-studio study --preset NAME [--scale F] [--seeds 1,2,3] [--json]
  fsam-studio study --config FILE.json [--json]   a NewStudy: { name, config, arms, axis?, seeds, baseline? }
  fsam-studio study list [--json]
  fsam-studio study show ID [--json]
  fsam-studio study resume ID [--json]             continue after Ctrl+C, a crash or a quit, from the checkpoints
  fsam-studio study delete ID                      the study with its comparisons and runs
  fsam-studio study export ID --format csv|json|report --out FILE

Presets:
${Object.entries(STUDY_PRESETS)
  .map(([name, preset]) => `  ${name.padEnd(20)} ${preset.description}`)
  .join('\n')}

--scale F multiplies a preset's training examples and epochs (default 1: sized for two CPU cores).

${STORE_FLAGS_HELP}`;

const FLAGS = {
  ...STORE_FLAGS,
  preset: { type: 'string' },
  config: { type: 'string' },
  scale: { type: 'string' },
  seeds: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function studyIdArgument(value: string | undefined): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id < 1) throw new UsageError(`expected a study id (a whole number ≥ 1), got ${value === undefined ? 'nothing' : `"${value}"`}; see fsam-studio study list`);
  return id;
}

function studyRequest(flags: { preset?: string; config?: string; scale?: string; seeds?: string }): NewStudy {
  if ((flags.preset === undefined) === (flags.config === undefined)) throw new UsageError('study: give either --preset NAME or --config FILE');
  let study: NewStudy;
  if (flags.preset !== undefined) {
    const preset = STUDY_PRESETS[flags.preset];
    if (!preset) throw new UsageError(`--preset: "${flags.preset}" is not a study preset; one of ${Object.keys(STUDY_PRESETS).join(', ')}`);
    const scale = flags.scale === undefined ? 1 : Number(flags.scale);
    if (!(scale > 0 && scale <= 100)) throw new UsageError(`--scale must be a number in (0, 100], got "${flags.scale}"`);
    study = preset.study(scale);
  } else {
    if (flags.scale !== undefined) throw new UsageError('--scale applies to presets only');
    try {
      study = JSON.parse(readFileSync(flags.config!, 'utf8')) as NewStudy;
    } catch (error) {
      throw new UsageError(`--config: ${flags.config} could not be read as JSON (${(error as Error).message.split('\n')[0]})`);
    }
  }
  return flags.seeds !== undefined ? { ...study, seeds: parseSeedList(flags.seeds) } : study;
}

const interval = (e: SeedEstimate | null) =>
  e === null ? '—' : `${(100 * e.mean).toFixed(2)}%${e.low === null || e.high === null ? '' : ` [${(100 * e.low).toFixed(1)}, ${(100 * e.high).toFixed(1)}]`}`;

export function describeStudy(detail: StudyDetail): string {
  const { study, results } = detail;
  const labelNoise = study.axis?.parameter === 'labelNoise';
  const headers = ['arm', study.axis ? STUDY_PARAMETER_LABELS[study.axis.parameter] : '', 'seeds', 'final test acc [95 %]', 'best test acc [95 %]', ...(labelNoise ? ['train acc noisy', 'train acc clean'] : []), `Δ final vs ${study.baseline} [95 %]`];
  const rows = results.cells.map((cell) => {
    const difference = results.differences.find((d) => d.arm === cell.arm && d.value === cell.value && d.metric === 'finalTestAccuracy');
    const delta =
      cell.arm === study.baseline
        ? 'baseline'
        : difference === undefined
          ? '—'
          : `${difference.mean >= 0 ? '+' : '−'}${Math.abs(100 * difference.mean).toFixed(2)} pp${difference.low === null ? '' : ` [${(100 * difference.low).toFixed(1)}, ${(100 * difference.high!).toFixed(1)}]`}`;
    return [cell.arm, cell.value === null ? '' : String(cell.value), `${cell.completed}/${study.seeds.length}`, interval(cell.finalTestAccuracy), interval(cell.bestTestAccuracy), ...(labelNoise ? [interval(cell.noisyTrainAccuracy), interval(cell.cleanTrainAccuracy)] : []), delta];
  });
  const title = `Study ${study.id} "${study.name}": ${study.progress.completed}/${study.progress.total} runs completed`;
  return [title, formatTable(headers, rows), ...results.notes].join('\n');
}

/** Follows every unfinished run of the study to its end, seed by seed as they were queued. */
async function followStudy(session: Session, detail: StudyDetail, json: boolean): Promise<RunInfo[]> {
  const runs = (await session.service.listRuns()).filter((run) => detail.study.runIds.includes(run.id));
  const order = [...runs].sort((a, b) => a.config.seed - b.config.seed || a.id - b.id);
  const ended: RunInfo[] = [];
  for (const run of order) {
    if (session.interrupted) break;
    if (!ACTIVE_STATUSES.includes(run.status)) continue;
    const cell = detail.study.cells.find((c) => c.comparisonId === run.comparisonId);
    const where = cell?.value !== null && cell !== undefined && detail.study.axis ? ` ${describeValue(detail.study.axis.parameter, cell.value)}` : '';
    ended.push(await session.follow(run, `run ${run.id} ${run.arm}${where} seed ${run.config.seed}`, json));
  }
  return ended;
}

async function trainAndReport(session: Session, started: StudyDetail, json: boolean): Promise<number> {
  const began = Date.now();
  if (!json) console.log(`study ${started.study.id}: ${started.study.progress.total} runs (${started.study.arms.length} arms × ${started.study.cells.length} values × ${started.study.seeds.length} seeds)`);
  await followStudy(session, started, json);
  const final = await session.service.getStudy(started.study.id);
  const wallSeconds = (Date.now() - began) / 1000;
  if (json) {
    const runs = (await session.service.listRuns()).filter((run) => final.study.runIds.includes(run.id));
    console.log(JSON.stringify({ ...final, wallSeconds, runs: runs.map(runReport) }, null, 2));
  } else {
    console.log(`\n${describeStudy(final)}\nwall time ${wallSeconds.toFixed(0)} s`);
  }
  if (session.interrupted) return EXIT_INTERRUPTED;
  return final.study.progress.completed === final.study.progress.total ? 0 : 1;
}

export async function studyCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    console.log(STUDY_HELP);
    return 0;
  }
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`study: unexpected ${extra.join(' ')}`);
  const json = Boolean(flags.json);
  if (action === undefined && flags.preset === undefined && flags.config === undefined) {
    console.log(STUDY_HELP);
    return 2;
  }
  if (action !== undefined && !['list', 'show', 'resume', 'delete', 'export'].includes(action)) {
    throw new UsageError(`study: "${action}" is not an action; use list, show, resume, delete or export (or --preset / --config to start one)`);
  }
  const request = action === undefined ? studyRequest(flags) : undefined;
  const studyId = action !== undefined && action !== 'list' ? studyIdArgument(id) : undefined;
  if (action === 'export') {
    if (!STUDY_EXPORT_FORMATS.includes(flags.format as StudyExportFormat)) throw new UsageError(`--format must be one of ${STUDY_EXPORT_FORMATS.join(', ')}`);
  }
  const session = openSession(flags);
  const { service } = session;
  try {
    switch (action) {
      case undefined:
        return await trainAndReport(session, await service.createStudy(request!), json);
      case 'list': {
        const studies = await service.listStudies();
        if (json) console.log(JSON.stringify(studies, null, 2));
        else console.log(formatTable(['study', 'name', 'preset', 'arms', 'values', 'seeds', 'runs done'], studies.map((s) => [s.id, s.name, s.preset ?? '', s.arms.join(', '), s.axis ? `${s.axis.parameter} ${s.axis.values.join(', ')}` : '', s.seeds.join(','), `${s.progress.completed}/${s.progress.total}`])));
        return 0;
      }
      case 'show': {
        const detail = await service.getStudy(studyId!);
        console.log(json ? JSON.stringify(detail, null, 2) : describeStudy(detail));
        return 0;
      }
      case 'resume':
        return await trainAndReport(session, await service.resumeStudy(studyId!), json);
      case 'delete':
        await service.deleteStudy(studyId!);
        if (!json) console.log(`deleted study ${studyId} with its comparisons and runs`);
        return 0;
      case 'export': {
        const result = await service.exportStudy({ studyId: studyId!, format: flags.format as StudyExportFormat });
        const file = result.files[0]!;
        if (flags.out) copyFileSync(file.path, flags.out);
        console.log(json ? JSON.stringify(result, null, 2) : `wrote ${flags.out ?? file.path} (${file.bytes} bytes)`);
        return 0;
      }
    }
    return 2;
  } finally {
    await session.close();
  }
}
