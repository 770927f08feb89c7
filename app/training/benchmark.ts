/**
 * Step-time benchmark: median milliseconds per training step of each optimizer on each model, with the
 * optimizers' steps interleaved (sgd, sam, fsam, sgd, ...) so that machine noise hits them alike and the
 * ratios measured in one run are fair.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../models/loss.js';
import { Network } from '../models/network.js';
import { buildModelSpec, type ModelName } from '../models/zoo.js';
import { parseOptimizerConfig, type OptimizerName } from '../optim/config.js';
import { TrainingOptimizer } from '../optim/trainingOptimizer.js';
import { randomBatch } from './randomBatch.js';

export const BENCHMARK_MODELS: { model: ModelName; inputShape: [number, number, number] }[] = [
  { model: 'cnn', inputShape: [28, 28, 1] },
  { model: 'resnet20', inputShape: [32, 32, 3] },
  { model: 'resnet18', inputShape: [32, 32, 3] },
];

export interface StepTiming {
  model: ModelName;
  optimizer: OptimizerName;
  medianMs: number;
  minMs: number;
  /**
   * Median CPU time of this process during a step. wasm and cpu compute on the calling thread, so on a
   * machine shared with other work this is the steadier figure: wall time also counts waiting for a core.
   */
  medianCpuMs: number;
  timedSteps: number;
}

export interface BenchmarkOptions {
  models: typeof BENCHMARK_MODELS;
  optimizers: OptimizerName[];
  batchSize: number;
  warmupSteps: number;
  timedSteps: number;
  onProgress?: (message: string) => void;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function benchmarkSteps(options: BenchmarkOptions): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  for (const { model, inputShape } of options.models) {
    const { x, labels } = randomBatch(0, options.batchSize, inputShape, 10);
    const contestants = options.optimizers.map((name) => {
      const network = new Network(buildModelSpec(model, inputShape, 10), { seed: 1 });
      const optimizer = new TrainingOptimizer(parseOptimizerConfig({ name, lr: 0.01 }), network.parameters);
      return { name, network, optimizer, times: [] as number[], cpuTimes: [] as number[] };
    });
    for (let step = 0; step < options.warmupSteps + options.timedSteps; step++) {
      for (const contestant of contestants) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const packed = contestant.optimizer.step((w, mode) => softmaxCrossEntropy(contestant.network.forward(w, x, mode), labels), 0.01);
        await packed.data();
        packed.dispose();
        if (step >= options.warmupSteps) {
          contestant.times.push(performance.now() - start);
          const cpu = process.cpuUsage(cpuStart);
          contestant.cpuTimes.push((cpu.user + cpu.system) / 1000);
        }
      }
      options.onProgress?.(`${model}: step ${step + 1}/${options.warmupSteps + options.timedSteps}`);
    }
    for (const { name, network, optimizer, times, cpuTimes } of contestants) {
      timings.push({ model, optimizer: name, medianMs: median(times), minMs: Math.min(...times), medianCpuMs: median(cpuTimes), timedSteps: times.length });
      optimizer.dispose();
      network.dispose();
    }
    tf.dispose([x, labels]);
  }
  return timings;
}

/** samOverSgd and fsamOverSam per model, from one run's medians. */
export function stepRatios(timings: readonly StepTiming[]): Record<string, { samOverSgd: number | null; fsamOverSam: number | null }> {
  const ratios: Record<string, { samOverSgd: number | null; fsamOverSam: number | null }> = {};
  for (const model of new Set(timings.map((t) => t.model))) {
    const of = (name: OptimizerName) => timings.find((t) => t.model === model && t.optimizer === name)?.medianMs;
    const [sgd, sam, fsam] = [of('sgd'), of('sam'), of('fsam')];
    ratios[model] = {
      samOverSgd: sgd && sam ? sam / sgd : null,
      fsamOverSam: sam && fsam ? fsam / sam : null,
    };
  }
  return ratios;
}
