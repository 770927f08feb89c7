/** `export RUN --format … --out PATH` and `export --comparison ID`: a run's model, metrics or report as files. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readVersion } from '../../api/service.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../api/types.js';
import { writeFile, type WrittenFile } from '../../export/modelFiles.js';
import { comparisonReport, DEFAULT_FILE_NAMES, exportRunTo } from '../../export/runExport.js';
import { openSession, STORE_FLAGS, STORE_FLAGS_HELP } from '../session.js';
import { joinNegativeValues, usageErrorFrom } from '../args.js';
import { UsageError } from '../usage.js';

export const EXPORT_HELP = `fsam-studio export — a run's trained model, metrics or report as files

Usage:
  fsam-studio export RUN --format FORMAT [--out PATH] [--force] [--json]
  fsam-studio export --comparison ID [--out FILE] [--force] [--json]

Formats:
  tfjs      TF.js LayersModel: PATH is a folder that gets model.json + weights.bin (tf.loadLayersModel)
  onnx      ONNX model (opset 13) for ONNX Runtime and other ONNX readers
  csv       one row per step, each epoch's evaluation on the row of its last step
  json      everything: config, status history, every step, every epoch (per-class accuracy, confusion)
  report    one self-contained HTML file: charts and summary

Models come from the run's latest checkpoint and take [0, 1] pixels (NHWC); the input normalisation is inside.
--comparison writes the comparison's HTML report: mean ± sd per arm, paired differences with 95 % CI, winner.
An existing PATH is not overwritten unless --force.

${STORE_FLAGS_HELP}`;

function positiveId(value: string, what: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`expected a ${what} id (a whole number ≥ 1), got "${value}"; see fsam-studio runs list`);
  return id;
}

function refuseOverwrite(path: string, force: boolean): void {
  if (force || !existsSync(path)) return;
  const emptyFolder = statSync(path).isDirectory() && readdirSync(path).length === 0;
  if (!emptyFolder) throw new UsageError(`${path} already exists; choose another --out or add --force to overwrite it`);
}

export async function exportCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    const options = { ...STORE_FLAGS, format: { type: 'string' }, out: { type: 'string' }, comparison: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorFrom(error);
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  const comparisonId = flags.comparison === undefined ? undefined : positiveId(flags.comparison, 'comparison');
  if (comparisonId === undefined && positionals.length !== 1) throw new UsageError('export needs one run id (or --comparison ID); see fsam-studio export --help');
  if (comparisonId !== undefined && positionals.length > 0) throw new UsageError('export --comparison takes no run id');
  const format = (flags.format ?? (comparisonId !== undefined ? 'report' : undefined)) as ExportFormat | undefined;
  if (format === undefined) throw new UsageError(`export needs --format, one of ${EXPORT_FORMATS.join(', ')}`);
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format: "${format}" is not a format; use one of ${EXPORT_FORMATS.join(', ')}`);
  if (comparisonId !== undefined && format !== 'report') throw new UsageError('a comparison exports only as --format report');
  const runId = comparisonId === undefined ? positiveId(positionals[0]!, 'run') : undefined;
  const out = resolve(flags.out ?? (runId !== undefined ? `run-${runId}-${DEFAULT_FILE_NAMES[format]}` : `comparison-${comparisonId}-report.html`));
  refuseOverwrite(out, Boolean(flags.force));

  const session = openSession(flags);
  try {
    const { service } = session;
    let written: WrittenFile[];
    if (runId !== undefined) {
      written = await exportRunTo(service.store, runId, format, out, readVersion());
    } else {
      const detail = await service.getComparison(comparisonId!);
      written = [writeFile(out, comparisonReport(service.store, detail, readVersion()), 'text/html; charset=utf-8')];
    }
    if (flags.json) console.log(JSON.stringify({ format, runId: runId ?? null, comparisonId: comparisonId ?? null, files: written.map(({ name, path, bytes }) => ({ name, path, bytes })) }));
    else for (const file of written) console.log(`wrote ${file.path} (${file.bytes.toLocaleString('en-US')} bytes)`);
    return 0;
  } finally {
    await session.close();
  }
}
