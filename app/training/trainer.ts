/**
 * The training loop of one run. It streams what happens as events (an async generator), so the CLI can
 * print them, a worker thread can post them, and a test can collect them; `stop()` ends it between steps.
 *
 * Pairing: the initial weights come from the stream (seed, "initial-weights") and the batch order from
 * (seed, "batches"); nothing about the optimizer touches either, so SGD, SAM and F-SAM runs of one seed
 * see the same network and the same batches in the same order. Label noise comes from (seed, "label-noise/…")
 * and augmentation from (seed, "augmentation/<step>"), so they are paired too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { augmentBatch, augmentationEnabled } from '../data/augment.js';
import { batchLabels, batchToFloat, type DataSplit, type ImageDataset } from '../data/dataset.js';
import { applyLabelNoise, type NoisyLabels } from '../data/labelNoise.js';
import { nextTask } from '../engine/eventLoop.js';
import { Random } from '../engine/random.js';
import { softmaxCrossEntropy } from '../models/loss.js';
import { Network, PERTURBED_PASS } from '../models/network.js';
import { buildModelSpec } from '../models/zoo.js';
import { TrainingOptimizer, unpackStepMetrics } from '../optim/trainingOptimizer.js';
import type { TrainConfig } from './config.js';
import type { TrainerCheckpoint, TrainerProgress } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import { InputNormalizer } from './normalize.js';
import { learningRateAt } from './schedule.js';
import { STEP_METRICS, reportsMetric, type EpochMetrics, type StepMetrics, type TrainerMetricName, type TrainingOutcome } from '../domain/index.js';

export interface RunSummary {
  status: TrainingOutcome;
  message: string | null;
  steps: number;
  epochs: number;
  finalTestAccuracy: number | null;
  bestTestAccuracy: number | null;
  finalTrainLoss: number | null;
  wallSeconds: number;
  /** Steps per second of training time (evaluation excluded). */
  stepsPerSecond: number;
}

export type TrainerEvent =
  | { type: 'started'; parameterCount: number; stepsPerEpoch: number; totalSteps: number; resumedAtStep: number }
  | { type: 'step'; record: StepMetrics }
  | { type: 'epoch'; record: EpochMetrics }
  /** Taken after every epoch and when the run is stopped; training can continue from it exactly. */
  | { type: 'checkpoint'; checkpoint: TrainerCheckpoint }
  | { type: 'finished'; summary: RunSummary };

/**
 * One step's record, in STEP_METRICS' vocabulary: the optimizer's packed values and the trainer's own
 * measurements, null for a metric this optimizer does not report.
 */
function stepRecord(
  optimizer: TrainingOptimizer['config']['name'],
  position: { step: number; epoch: number; elapsedMs: number },
  packed: ArrayLike<number>,
  measured: Record<TrainerMetricName, number>,
): StepMetrics {
  const fromOptimizer = unpackStepMetrics(packed);
  const values = STEP_METRICS.map((metric) => {
    const value = metric.source === 'optimizer' ? fromOptimizer[metric.name] : measured[metric.name];
    return [metric.name, reportsMetric(optimizer, metric.name) ? value : null] as const;
  });
  // every metric that all optimizers report is set above, so the nulls fall only where StepMetrics allows them
  return { ...position, ...Object.fromEntries(values) } as StepMetrics;
}

/** The exact full-gradient direction sums the training split's gradient in chunks of this many examples. */
const FULL_GRADIENT_CHUNK = 256;
/** Above this many training examples a full gradient every few steps costs more than a user would wait for. */
export const FULL_GRADIENT_MAX_EXAMPLES = 60_000;

export class Trainer {
  readonly network: Network;
  readonly optimizer: TrainingOptimizer;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly normalizer: InputNormalizer;
  /** The training split as trained on: the data set's, with the noisy labels when label noise is on. */
  readonly trainSplit: DataSplit;
  /** What label noise did (flipped counts per class); null without label noise. */
  readonly labelNoise: NoisyLabels | null;
  private readonly imageShape: number[];
  private stopRequested = false;
  /** Resolves when a pause ends; undefined while not paused. */
  private pauseGate: { promise: Promise<void>; release: () => void } | undefined;

  constructor(
    readonly config: TrainConfig,
    readonly dataset: ImageDataset,
  ) {
    if (dataset.train.count < config.batchSize) {
      throw new Error(`batchSize ${config.batchSize} is larger than the ${dataset.train.count} training examples of ${dataset.name}; lower batchSize`);
    }
    this.imageShape = [...dataset.imageShape];
    this.stepsPerEpoch = Math.floor(dataset.train.count / config.batchSize);
    this.totalSteps = this.stepsPerEpoch * config.epochs;
    this.network = new Network(buildModelSpec(config.model, this.imageShape, dataset.classNames.length), { seed: config.seed });
    this.optimizer = new TrainingOptimizer(config.optimizer, this.network.parameters);
    this.normalizer = InputNormalizer.measure(dataset.train, dataset.imageShape[2]);
    const noise = config.labelNoise;
    this.labelNoise = noise && noise.kind !== 'none' ? applyLabelNoise(dataset.train.labels, dataset.classNames, noise, config.seed) : null;
    this.trainSplit = this.labelNoise ? { ...dataset.train, labels: this.labelNoise.labels } : dataset.train;
    if (config.optimizer.name === 'sam' && config.optimizer.perturbation === 'fullGradientExact' && dataset.train.count > FULL_GRADIENT_MAX_EXAMPLES) {
      throw new Error(
        `optimizer.perturbation "fullGradientExact" computes the gradient over all ${dataset.train.count} training examples every ${config.optimizer.fullGradientEvery} steps; ` +
          `that is for sets of at most ${FULL_GRADIENT_MAX_EXAMPLES} (use "fullGradientEma", or fewer examples with data.trainCount)`,
      );
    }
  }

  /**
   * ∇L at the current weights over the whole training split (labels as trained on, no augmentation), as the
   * mean over examples: chunk gradients of the summed loss, added up. Passes leave batch norm's moving
   * statistics alone, like SAM's second pass.
   */
  async fullTrainingGradient(): Promise<tf.Tensor[]> {
    const split = this.trainSplit;
    const classes = this.dataset.classNames.length;
    const pixels = new Float32Array(FULL_GRADIENT_CHUNK * this.imageShape.reduce((a, b) => a * b, 1));
    const labels = new Int32Array(FULL_GRADIENT_CHUNK);
    let sums: tf.Tensor[] = this.network.parameters.map((p) => tf.zeros(p.shape));
    for (let start = 0; start < split.count; start += FULL_GRADIENT_CHUNK) {
      const indices = Int32Array.from({ length: Math.min(FULL_GRADIENT_CHUNK, split.count - start) }, (_, i) => start + i);
      const x = batchToFloat(split, indices, pixels);
      const y = batchLabels(split, indices, labels);
      const next = tf.tidy(() => {
        const input = this.normalizer.apply(tf.tensor(x, [indices.length, ...this.imageShape]));
        const oneHot = tf.oneHot(tf.tensor1d(y, 'int32'), classes) as tf.Tensor2D;
        const { grads } = tf.valueAndGrads((...w: tf.Tensor[]) => tf.mul(softmaxCrossEntropy(this.network.forward(w, input, PERTURBED_PASS), oneHot), indices.length) as tf.Scalar)([
          ...this.network.parameters,
        ]);
        return grads.map((g, i) => tf.add(sums[i]!, g));
      });
      for (const old of sums) old.dispose();
      sums = next;
      // a long pass still lets the worker see pause and stop messages between chunks
      await nextTask();
    }
    const mean = tf.tidy(() => sums.map((sum) => tf.div(sum, split.count)));
    for (const sum of sums) sum.dispose();
    return mean;
  }

  /** Ends the run after the step in progress (also while paused); the run finishes "stopped", with a checkpoint. */
  stop(): void {
    this.stopRequested = true;
    this.unpause();
  }

  /** Holds the run before its next step until `unpause()`; paused time does not count as the run's time. */
  pause(): void {
    if (this.pauseGate) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.pauseGate = { promise, release };
  }

  unpause(): void {
    this.pauseGate?.release();
    this.pauseGate = undefined;
  }

  /**
   * Trains to the end of the configured epochs. With `resumeFrom`, the network, the optimizer and the batch
   * order are restored first and the run continues at the checkpoint's step as if it had never stopped.
   */
  async *run(resumeFrom?: TrainerCheckpoint): AsyncGenerator<TrainerEvent, RunSummary> {
    const { config, dataset, trainSplit } = this;
    const augmentation = config.augmentation && augmentationEnabled(config.augmentation) ? config.augmentation : undefined;
    const progress: TrainerProgress = resumeFrom ? structuredClone(resumeFrom.progress) : this.initialProgress();
    if (resumeFrom) {
      this.network.restoreState(resumeFrom.network);
      this.optimizer.restoreState(resumeFrom.optimizer);
    }
    // elapsed time continues from the checkpoint; time spent paused is taken out
    const clock = { segmentStart: performance.now(), base: progress.elapsedMs, paused: 0 };
    const elapsed = () => clock.base + performance.now() - clock.segmentStart - clock.paused;
    const trainEvalIndices = Random.stream(config.seed, 'train-eval')
      .permutation(dataset.train.count)
      .subarray(0, config.trainEvalCount === 0 ? dataset.train.count : Math.min(config.trainEvalCount, dataset.train.count));
    const testIndices = Int32Array.from({ length: dataset.test.count }, (_, i) => i);
    const pixels = new Float32Array(config.batchSize * this.imageShape.reduce((a, b) => a * b, 1));
    const labels = new Int32Array(config.batchSize);
    const classes = dataset.classNames.length;

    const finish = (status: TrainingOutcome, message: string | null): RunSummary => ({
      status,
      message,
      steps: progress.step,
      epochs: progress.lastEpoch ? progress.lastEpoch.epoch + 1 : 0,
      finalTestAccuracy: progress.lastEpoch?.test.accuracy ?? null,
      bestTestAccuracy: progress.bestTestAccuracy,
      finalTrainLoss: progress.lastEpoch?.train.loss ?? null,
      wallSeconds: elapsed() / 1000,
      stepsPerSecond: progress.trainingMs > 0 ? progress.step / (progress.trainingMs / 1000) : 0,
    });

    yield { type: 'started', parameterCount: this.network.parameterCount, stepsPerEpoch: this.stepsPerEpoch, totalSteps: this.totalSteps, resumedAtStep: progress.step };
    for (; progress.epoch < config.epochs; progress.epoch++, progress.batchInEpoch = 0) {
      const batchOrder = Random.fromState(progress.batchOrderState);
      const order = batchOrder.permutation(dataset.train.count);
      for (; progress.batchInEpoch < this.stepsPerEpoch; progress.batchInEpoch++) {
        // on wasm and cpu a step's read-back settles as a microtask, so without this a worker would never
        // see its messages (pause, stop) until the run was over
        await nextTask();
        if (this.pauseGate) {
          const pausedAt = performance.now();
          await this.pauseGate.promise;
          clock.paused += performance.now() - pausedAt;
        }
        if (this.stopRequested) {
          progress.elapsedMs = elapsed();
          yield { type: 'checkpoint', checkpoint: await this.checkpoint(progress) };
          return yield* this.end(finish('stopped', `stopped by the user after ${progress.step} steps`));
        }
        const batch = progress.batchInEpoch;
        const indices = order.subarray(batch * config.batchSize, (batch + 1) * config.batchSize);
        for (let row = 0; row < indices.length; row++) labels[row] = trainSplit.labels[indices[row]!]!;
        batchToFloat(trainSplit, indices, pixels);
        if (augmentation) augmentBatch(pixels, dataset.imageShape, indices.length, augmentation, config.seed, progress.step, this.normalizer.channelMean);
        const learningRate = learningRateAt(config.schedule, config.optimizer.lr, progress.step, this.totalSteps, this.stepsPerEpoch);

        const stepStart = performance.now();
        // the exact full-gradient direction's pass over the training split counts as this step's time
        if (this.optimizer.needsFullGradient(progress.step)) {
          const fullGradient = await this.fullTrainingGradient();
          this.optimizer.setFullGradient(fullGradient, progress.step);
          for (const g of fullGradient) g.dispose();
        }
        const packed = tf.tidy(() => {
          const x = this.normalizer.apply(tf.tensor(pixels, [config.batchSize, ...this.imageShape]));
          const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes) as tf.Tensor2D;
          return this.optimizer.step((w, mode) => softmaxCrossEntropy(this.network.forward(w, x, mode), oneHot), learningRate);
        });
        const values = await packed.data();
        packed.dispose();
        const stepMs = performance.now() - stepStart;
        progress.trainingMs += stepMs;

        const record = stepRecord(config.optimizer.name, { step: progress.step, epoch: progress.epoch, elapsedMs: elapsed() }, values, {
          learningRate,
          stepMs,
          samplesPerSecond: config.batchSize / (stepMs / 1000),
        });
        progress.step += 1;
        yield { type: 'step', record };
        const [what, value] = Number.isFinite(record.loss) ? ['the perturbed loss', record.perturbedLoss ?? 0] : ['the loss', record.loss];
        if (!Number.isFinite(value)) {
          const became = Number.isNaN(value) ? 'NaN' : 'infinite';
          return yield* this.end(finish('diverged', `${what} became ${became} at step ${record.step} (epoch ${progress.epoch + 1}); lower the learning rate or rho`));
        }
      }
      // with label noise, train accuracy is scored against the noisy labels and, next to it, the clean ones
      const train = await evaluate(this.network, this.normalizer, trainSplit, this.imageShape, trainEvalIndices, this.labelNoise ? dataset.train.labels : undefined);
      const test = await evaluate(this.network, this.normalizer, dataset.test, this.imageShape, testIndices);
      progress.lastEpoch = { epoch: progress.epoch, step: progress.step, train, test, elapsedMs: elapsed() };
      progress.bestTestAccuracy = Math.max(progress.bestTestAccuracy ?? 0, test.accuracy);
      yield { type: 'epoch', record: progress.lastEpoch };
      // the next epoch's permutation is drawn from the generator's state right after this one's
      progress.batchOrderState = batchOrder.getState();
      progress.elapsedMs = elapsed();
      yield { type: 'checkpoint', checkpoint: await this.checkpoint({ ...progress, epoch: progress.epoch + 1, batchInEpoch: 0 }) };
    }
    return yield* this.end(finish('completed', null));
  }

  private initialProgress(): TrainerProgress {
    return {
      step: 0,
      epoch: 0,
      batchInEpoch: 0,
      batchOrderState: Random.stream(this.config.seed, 'batches').getState(),
      trainingMs: 0,
      elapsedMs: 0,
      bestTestAccuracy: null,
      lastEpoch: null,
    };
  }

  private async checkpoint(progress: TrainerProgress): Promise<TrainerCheckpoint> {
    return { progress: structuredClone(progress), network: await this.network.readState(), optimizer: await this.optimizer.readState() };
  }

  private async *end(summary: RunSummary): AsyncGenerator<TrainerEvent, RunSummary> {
    yield { type: 'finished', summary };
    return summary;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.network.dispose();
    this.normalizer.dispose();
  }
}
