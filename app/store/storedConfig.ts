/**
 * A run's config as the store kept it (JSON text), read back. It was valid when the run was created, but a
 * later version may validate differently (a field renamed, a range narrowed), or the file may have been
 * edited. Such a config is never cast to a TrainConfig and trained, analysed or exported: the run still
 * lists (with `configProblem` saying what is wrong), and the work that needs its config is refused with a
 * ConfigError naming the run and the field.
 */
import type { RunInfo } from './records.js';
import { trainConfigSchema, type TrainConfig } from '../training/config.js';
import { ConfigError, parseOrThrow } from '../validation.js';

export interface StoredConfig {
  /** The validated config; when `problem` is set, only the stored fields as they are, for a listing to show. */
  config: TrainConfig;
  /** "Run 7's stored config no longer validates — optimizer.lambda: …"; absent when the config is valid. */
  problem?: string;
}

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses run `runId`'s stored config text; never throws, so that one bad run cannot break a listing. */
export function readStoredConfig(runId: number, text: string): StoredConfig {
  const what = `Run ${runId}'s stored config no longer validates`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { config: forListing(undefined), problem: `${what} — it is not JSON (${(error as Error).message})` };
  }
  try {
    return { config: parseOrThrow(trainConfigSchema, raw, what) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: forListing(raw), problem: error.message };
  }
}

/**
 * What a listing shows of a config that does not validate: the stored fields unchanged, with an optimizer
 * and a data set object (named "?" when missing) so that a table row reading their names still draws.
 */
function forListing(raw: unknown): TrainConfig {
  const stored = isPlain(raw) ? raw : {};
  const named = (value: unknown) => ({ name: '?', ...(isPlain(value) ? value : {}) });
  return { ...stored, optimizer: named(stored['optimizer']), data: named(stored['data']) } as unknown as TrainConfig;
}

/** The config of a run about to be trained, analysed or exported; a ConfigError when it no longer validates. */
export function usableConfig(run: RunInfo): TrainConfig {
  if (run.configProblem !== undefined) throw new ConfigError(run.configProblem);
  return run.config;
}
