/**
 * The checks of a run's configuration that need its data: run when the run is configured (the service's
 * checkConfig, startRun and createComparison), so that the CLI, the web shell and the desktop refuse a run
 * that cannot train alike, before anything is stored — rather than a worker failing it later. The data
 * set is probed (headers, sizes, listings: app/data/index.ts probeDataset), not loaded.
 *
 * Fields are named as in the config ("data.path", "model", "batchSize").
 */
import { datasetErrorField, type DatasetOutline, type DatasetSpec } from '../data/index.js';
import { summarizeModel } from '../models/network.js';
import { buildModelSpec } from '../models/zoo.js';
import type { FieldIssue } from '../validation.js';
import type { TrainConfig } from './config.js';
import { FULL_GRADIENT_MAX_EXAMPLES } from './trainer.js';

/** What `config` asks of the data set `outline` describes that it cannot give; empty when the run can train. */
export function runFitProblems(config: TrainConfig, outline: DatasetOutline): FieldIssue[] {
  const problems: FieldIssue[] = [];
  const [height, width, channels] = outline.imageShape;
  if (config.batchSize > outline.trainCount) {
    problems.push({ field: 'batchSize', message: `batchSize ${config.batchSize} is larger than the ${outline.trainCount} training examples of ${outline.name}; lower batchSize` });
  }
  try {
    summarizeModel(buildModelSpec(config.model, [...outline.imageShape], outline.classCount));
  } catch (error) {
    problems.push({ field: 'model', message: `the ${config.model} model does not fit ${outline.name}'s ${height}×${width}×${channels} examples: ${(error as Error).message}` });
  }
  const { optimizer } = config;
  if (optimizer.name === 'sam' && optimizer.perturbation === 'fullGradientExact' && outline.trainCount > FULL_GRADIENT_MAX_EXAMPLES) {
    problems.push({
      field: 'optimizer.perturbation',
      message:
        `"fullGradientExact" computes the gradient over all ${outline.trainCount} training examples every ${optimizer.fullGradientEvery} steps; ` +
        `that is for sets of at most ${FULL_GRADIENT_MAX_EXAMPLES} (use "fullGradientEma", or fewer examples with data.trainCount)`,
    });
  }
  return problems;
}

/**
 * Every data problem of `config`: the data set probed with `probe` (a cache's, or probeDataset), then what
 * the run asks of it. A probe failure is one problem at the spec's field it concerns (data.path for files).
 */
export async function runDataProblems(config: TrainConfig, probe: (spec: DatasetSpec) => Promise<DatasetOutline>): Promise<FieldIssue[]> {
  let outline: DatasetOutline;
  try {
    outline = await probe(config.data);
  } catch (error) {
    return [{ field: `data.${datasetErrorField(error)}`, message: error instanceof Error ? error.message : String(error) }];
  }
  return runFitProblems(config, outline);
}
