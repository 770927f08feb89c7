/**
 * Measures how flat a trained network's minimum is (app/analysis/landscape.ts on the run's own loss).
 *
 * Choices the results depend on, fixed here so every run of a comparison is measured alike:
 * - Batch norm uses its moving statistics (ANALYSIS_PASS: inference, with a cheaper gradient): that is the
 *   function the run trained into, and no analysis pass may change the statistics; a perturbed network is
 *   evaluated with the same statistics.
 * - Batches are drawn from the split by a permutation seeded with `options.seed`, so runs on the same data
 *   config get the same examples; the directions and starting vectors come from the same seed, each from
 *   its own stream. Filter normalisation then scales the same random draws to each run's own weights.
 * - Sharpness is per batch (the max over the ball for each batch, then the mean), as SAM defines it on a
 *   mini-batch; the eigenvalue and the landscape use the mean loss over all analysis batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchLabels, batchToFloat, type DataSplit } from '../data/dataset.js';
import { Random } from '../engine/random.js';
import { softmaxCrossEntropy } from '../models/loss.js';
import { ANALYSIS_PASS, type Network } from '../models/network.js';
import type { TrainedModel } from '../training/trainedModel.js';
import {
  filterNormalizedDirection,
  lossAlong,
  lossSurface,
  Objective,
  samSharpness,
  symmetricGrid,
  topHessianEigenvalue,
  type LossOf,
} from './landscape.js';
import type { AnalysisOptions, AnalysisProgress, AnalysisResult } from '../domain/analysis.js';

/** Finite-difference step of Hessian-vector products, relative to max(1, ‖w‖). */
const RELATIVE_EPSILON = 1e-3;

export interface AnalysisBatch {
  /** Normalised inputs, as the network sees them. */
  x: tf.Tensor;
  oneHotLabels: tf.Tensor2D;
}

/** Mean softmax cross-entropy of the network with parameters `params` on one batch, batch norm in inference mode. */
export function networkLoss(network: Network, batch: AnalysisBatch): LossOf {
  return (params) => softmaxCrossEntropy(network.forward(params, batch.x, ANALYSIS_PASS), batch.oneHotLabels);
}

/** The analysis batches: a seeded permutation of the split, cut into `batches` batches of `batchSize` (fewer if the split is small). */
export function analysisBatches(model: TrainedModel, split: DataSplit, options: Pick<AnalysisOptions, 'batches' | 'batchSize' | 'seed'>): AnalysisBatch[] {
  const order = Random.stream(options.seed, 'analysis-batches').permutation(split.count);
  const batchSize = Math.min(options.batchSize, split.count);
  const count = Math.max(1, Math.min(options.batches, Math.floor(split.count / batchSize)));
  const classes = model.network.classCount;
  return Array.from({ length: count }, (_, b) => {
    const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
    const pixels = batchToFloat(split, indices);
    const labels = batchLabels(split, indices);
    return tf.tidy(() => ({
      x: model.normalizer.apply(tf.tensor(pixels, [indices.length, ...model.dataset.imageShape])),
      oneHotLabels: tf.oneHot(tf.tensor1d(labels, 'int32'), classes) as tf.Tensor2D,
    }));
  });
}

export async function analyzeTrainedModel(
  model: TrainedModel,
  options: AnalysisOptions,
  context: { backend: string; onProgress?: (progress: AnalysisProgress) => void },
): Promise<AnalysisResult> {
  const started = performance.now();
  const split = options.split === 'train' ? model.dataset.train : model.dataset.test;
  const batches = analysisBatches(model, split, options);
  const params = model.network.parameters;
  const parts = batches.map((batch) => networkLoss(model.network, batch));
  const whole = new Objective(parts);

  const total = batches.length * options.ascentSteps + options.powerIterations + options.curvePoints + options.surfacePoints ** 2;
  let done = 0;
  const advance = (phase: AnalysisProgress['phase'], units = 1) => {
    done += units;
    context.onProgress?.({ phase, fraction: Math.min(1, done / total) });
  };
  // one yield per phase lets a worker's messages (progress) go out: the reads' promises may settle without a macrotask
  const breathe = () => new Promise((resolve) => setImmediate(resolve));

  const directions: tf.Tensor[][] = [];
  try {
    const loss = await whole.loss(params);

    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - mark;
      mark = now;
      return ms;
    };
    const sharpnessRandom = Random.stream(options.seed, 'analysis-sharpness');
    const perBatch: number[] = [];
    for (const part of parts) {
      const estimate = await samSharpness(new Objective([part]), params, { rho: options.rho, ascentSteps: options.ascentSteps, random: sharpnessRandom.fork(`batch-${perBatch.length}`) });
      perBatch.push(estimate.sharpness);
      advance('sharpness', options.ascentSteps);
      await breathe();
    }

    const sharpnessMs = lap();
    const hessian = await topHessianEigenvalue(whole, params, {
      maxIterations: options.powerIterations,
      tolerance: options.tolerance,
      relativeEpsilon: RELATIVE_EPSILON,
      random: Random.stream(options.seed, 'analysis-hessian'),
      onIteration: () => advance('hessian'),
    });
    // iterations not needed once converged still count as done
    advance('hessian', options.powerIterations - hessian.iterations);
    await breathe();
    const hessianMs = lap();

    directions.push(filterNormalizedDirection(params, Random.stream(options.seed, 'analysis-direction-1')));
    directions.push(filterNormalizedDirection(params, Random.stream(options.seed, 'analysis-direction-2')));
    const alphas = symmetricGrid(options.curvePoints, options.range);
    const curve = await lossAlong(whole, params, directions[0]!, alphas, () => advance('curve'));
    await breathe();
    const curveMs = lap();
    const surfaceAlphas = symmetricGrid(options.surfacePoints, options.range);
    const surface = await lossSurface(whole, params, directions[0]!, directions[1]!, surfaceAlphas, surfaceAlphas, () => advance('surface'));
    const surfaceMs = lap();

    return {
      step: model.step,
      examples: batches.reduce((sum, batch) => sum + batch.x.shape[0]!, 0),
      batches: batches.length,
      loss,
      sharpness: { rho: options.rho, mean: perBatch.reduce((a, b) => a + b, 0) / perBatch.length, perBatch, ascentSteps: options.ascentSteps },
      hessian: { topEigenvalue: hessian.eigenvalue, iterations: hessian.iterations, converged: hessian.converged, history: hessian.history, epsilon: hessian.epsilon },
      curve: { alphas, losses: curve },
      surface: { alphas: surfaceAlphas, betas: surfaceAlphas, losses: surface },
      backend: context.backend,
      elapsedMs: performance.now() - started,
      timings: { sharpnessMs, hessianMs, curveMs, surfaceMs },
    };
  } finally {
    for (const direction of directions) tf.dispose(direction);
    for (const batch of batches) tf.dispose([batch.x, batch.oneHotLabels]);
  }
}
