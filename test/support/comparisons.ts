/**
 * A comparison written into a real store the way the run manager writes one (runs, their start, steps,
 * epochs and status), without training: the states a user meets mid-way (a run still training, one
 * interrupted after two of three epochs) in milliseconds instead of minutes.
 */
import type { OptimizerName, RunStatus, StepMetrics } from '../../app/api/types.js';
import type { StudioStore } from '../../app/store/store.js';
import { tinyRunConfig } from './runs.js';

export const STEPS_PER_EPOCH = 8;

export interface StoredRunSpec {
  arm: string;
  seed: number;
  status: RunStatus;
  /** Test accuracy after each finished epoch; its length is the epochs done. */
  accuracies: number[];
  message?: string;
}

export interface StoredComparison {
  comparisonId: number;
  /** Run ids by "<arm>/<seed>". */
  runIds: Map<string, number>;
}

/** Writes a comparison of `arms` (each named after its optimizer) over `seeds`, of runs of `epochs` epochs. */
export function storeComparison(store: StudioStore, options: { name: string; arms: OptimizerName[]; seeds: number[]; epochs?: number; runs: StoredRunSpec[] }): StoredComparison {
  const epochs = options.epochs ?? 3;
  const comparisonId = store.createComparison({ name: options.name, arms: options.arms, baseline: options.arms[0]!, seeds: options.seeds, varies: ['optimizer', ...(options.seeds.length > 1 ? ['seed'] : [])] });
  const runIds = new Map<string, number>();
  for (const spec of options.runs) {
    const optimizer = spec.arm as OptimizerName;
    const run = store.createRun({ name: `${options.name} · ${spec.arm} · seed ${spec.seed}`, config: tinyRunConfig({ optimizer: { name: optimizer, lr: 0.05 }, seed: spec.seed, epochs }), comparisonId, arm: spec.arm });
    runIds.set(`${spec.arm}/${spec.seed}`, run.id);
    if (spec.status === 'queued') continue;
    store.setStatus(run.id, 'running');
    store.recordStart(run.id, { backend: 'cpu', device: 'CPU', parameterCount: 100, stepsPerEpoch: STEPS_PER_EPOCH, totalSteps: STEPS_PER_EPOCH * epochs, classNames: ['a', 'b'] });
    spec.accuracies.forEach((accuracy, epoch) => {
      store.appendSteps(run.id, steps(epoch, optimizer));
      const evaluation = { loss: 1 - accuracy, accuracy, count: 64, perClassAccuracy: [accuracy, accuracy], confusion: [[32, 0], [0, 32]] };
      store.appendEpoch(run.id, { epoch, step: STEPS_PER_EPOCH * (epoch + 1), train: evaluation, test: evaluation, elapsedMs: 100 * (epoch + 1) });
    });
    if (spec.status !== 'running') store.setStatus(run.id, spec.status, spec.message ?? null);
  }
  return { comparisonId, runIds };
}

/**
 * Issue 13's case, the comparison caught mid-way: SGD completed at 84 %, SAM still training (50.8 % after 1
 * of 3 epochs), F-SAM interrupted after 2 of 3 epochs (with `interruptedMessage` as its status message).
 */
export function storeMidwayComparison(store: StudioStore, name: string, interruptedMessage?: string): StoredComparison {
  return storeComparison(store, {
    name,
    arms: ['sgd', 'sam', 'fsam'],
    seeds: [1],
    runs: [
      { arm: 'sgd', seed: 1, status: 'completed', accuracies: [0.7, 0.8, 0.84] },
      { arm: 'sam', seed: 1, status: 'running', accuracies: [0.508] },
      { arm: 'fsam', seed: 1, status: 'interrupted', accuracies: [0.6, 0.7], ...(interruptedMessage === undefined ? {} : { message: interruptedMessage }) },
    ],
  });
}

function steps(epoch: number, optimizer: OptimizerName): StepMetrics[] {
  const perturbs = optimizer !== 'sgd';
  return Array.from({ length: STEPS_PER_EPOCH }, (_, index) => {
    const step = epoch * STEPS_PER_EPOCH + index;
    return {
      step,
      epoch,
      elapsedMs: 10 * (step + 1),
      loss: 2 / (step + 1),
      perturbedLoss: perturbs ? 2.1 / (step + 1) : null,
      gradientNorm: 1,
      perturbationNorm: perturbs ? 0.05 : null,
      emaNorm: optimizer === 'fsam' ? 0.5 : null,
      gradientEmaCosine: optimizer === 'fsam' ? 0.3 : null,
      learningRate: 0.05,
      stepMs: 10,
      samplesPerSecond: 3200,
    };
  });
}
