/**
 * A run's trained network, rebuilt from its config and its latest checkpoint, for everything that uses a
 * finished model rather than training it: exports, sharpness and loss-landscape analysis, predictions.
 *
 * The checkpoint holds the weights and batch-norm statistics; the input normaliser is not stored because it
 * is measured from the training split, which the config regenerates (or rereads) exactly.
 */
import { loadDataset, type ImageDataset } from '../data/index.js';
import { Network } from '../models/network.js';
import { buildModelSpec } from '../models/zoo.js';
import type { ModelSpec } from '../models/spec.js';
import { readCheckpoint } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { InputNormalizer } from './normalize.js';

export interface TrainedModel {
  config: TrainConfig;
  dataset: ImageDataset;
  spec: ModelSpec;
  /** Weights and moving statistics as the checkpoint left them. */
  network: Network;
  /** (x − mean) / std per channel, as in training: apply it to [0, 1] pixels before `network`. */
  normalizer: InputNormalizer;
  /** Steps the network was trained for. */
  step: number;
  dispose(): void;
}

/**
 * Rebuilds the network of `config` with the weights of the checkpoint at `checkpointPath`. Pass `dataset`
 * when it is already loaded (it must be the one `config.data` names).
 */
export async function loadTrainedModel(config: TrainConfig, checkpointPath: string, dataset?: ImageDataset): Promise<TrainedModel> {
  const checkpoint = readCheckpoint(checkpointPath);
  const data = dataset ?? (await loadDataset(config.data));
  const spec = buildModelSpec(config.model, [...data.imageShape], data.classNames.length);
  const network = new Network(spec, { seed: config.seed });
  try {
    network.restoreState(checkpoint.network);
  } catch (error) {
    network.dispose();
    throw new Error(`${checkpointPath} does not fit the run's model (${config.model}): ${error instanceof Error ? error.message : String(error)}`);
  }
  const normalizer = InputNormalizer.measure(data.train, data.imageShape[2]);
  return {
    config,
    dataset: data,
    spec,
    network,
    normalizer,
    step: checkpoint.progress.step,
    dispose() {
      network.dispose();
      normalizer.dispose();
    },
  };
}
