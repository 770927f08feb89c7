/**
 * The paper's three experiments as studies (Li et al., CVPR 2024), sized for two CPU cores at scale 1 and
 * grown with `scale` (more training examples and epochs). Fashion-MNIST from Debian's dataset-fashion-mnist
 * when it is installed, else the built-in Shapes-10; an MLP, which trains fast on CPU and memorises noisy
 * labels readily (what the label-noise experiment needs to show).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NewStudy, StudyAxis } from './types.js';

export const FASHION_MNIST_FOLDER = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST (a subset of `trainCount` examples) when its IDX files are here, else the built-in set. */
function presetData(trainCount: number, testCount: number, folder = FASHION_MNIST_FOLDER): Record<string, unknown> {
  const installed = existsSync(join(folder, 'train-images-idx3-ubyte.gz')) || existsSync(join(folder, 'train-images-idx3-ubyte'));
  return installed ? { name: 'idx', path: folder, trainCount, testCount } : { name: 'shapes10', trainCount, testCount, size: 16, channels: 1 };
}

const SEEDS = [1, 2, 3];

function base(scale: number, trainCount: number, epochs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    data: presetData(Math.round(trainCount * scale), 2000),
    model: 'mlp',
    epochs: Math.max(1, Math.round(epochs * scale)),
    batchSize: 128,
    schedule: { kind: 'cosine' },
    trainEvalCount: 2000,
    optimizer: { name: 'sam', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, rho: 0.05 },
    ...extra,
  };
}

export interface StudyPreset {
  description: string;
  /** What it reproduces, for the README and `study --help`. */
  reproduces: string;
  study: (scale: number) => NewStudy;
}

interface PaperPresetSpec {
  description: string;
  reproduces: string;
  /** Training examples and epochs at scale 1. */
  trainCount: number;
  epochs: number;
  /** Laid over the base config. */
  extra?: Record<string, unknown>;
  arms: NewStudy['arms'];
  axis?: StudyAxis;
}

/** One of the paper's experiments: named after itself, trained over the same seeds, its arms measured against SAM. */
function paperPreset(name: string, spec: PaperPresetSpec): StudyPreset {
  return {
    description: spec.description,
    reproduces: spec.reproduces,
    study: (scale) => ({
      name,
      preset: name,
      config: base(scale, spec.trainCount, spec.epochs, spec.extra) as NewStudy['config'],
      // a fresh copy each time, as a caller may change the study it was given
      arms: structuredClone(spec.arms),
      ...(spec.axis === undefined ? {} : { axis: structuredClone(spec.axis) }),
      seeds: SEEDS,
      baseline: 'SAM',
    }),
  };
}

export const STUDY_PRESETS: Record<string, StudyPreset> = {
  'paper-decomposition': paperPreset('paper-decomposition', {
    description: 'SAM against its two parts at ρ 0.2: along the full-gradient component only (the EMA m) and along the noise only (F-SAM, σ = 1); 3 seeds',
    reproduces: 'the decomposition of SAM’s perturbation: the full-gradient part alone should hurt, the noise part alone help',
    trainCount: 6000,
    epochs: 8,
    // ρ 0.2: at 0.05 the three are within a tenth of a point of each other at this size (measured); paper-rho
    // shows the gap between SAM and F-SAM opening with ρ
    extra: { optimizer: { name: 'sam', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, rho: 0.2 } },
    arms: [
      { label: 'SAM', optimizer: { name: 'sam' } },
      { label: 'SAM (full-gradient part)', optimizer: { name: 'sam', perturbation: 'fullGradientEma' } },
      { label: 'SAM (noise part) = F-SAM σ=1', optimizer: { name: 'fsam', sigma: 1 } },
    ],
  }),
  'paper-rho': paperPreset('paper-rho', {
    description: 'SAM and F-SAM over ρ ∈ {0.02, 0.05, 0.1, 0.2, 0.5}; 3 seeds',
    reproduces: 'F-SAM’s lower sensitivity to ρ: its accuracy should fall less than SAM’s as ρ grows',
    trainCount: 4000,
    epochs: 6,
    arms: [
      { label: 'SAM', optimizer: { name: 'sam' } },
      { label: 'F-SAM', optimizer: { name: 'fsam' } },
    ],
    axis: { parameter: 'rho', values: [0.02, 0.05, 0.1, 0.2, 0.5] },
  }),
  'paper-label-noise': paperPreset('paper-label-noise', {
    description: 'SGD, SAM and F-SAM under 20 %, 40 % and 60 % symmetric label noise, trained long on a small set so that SGD memorises; 3 seeds',
    reproduces: 'F-SAM’s robustness to label noise: SGD’s noisy-label train accuracy climbs while its clean test accuracy falls',
    trainCount: 2000,
    epochs: 30,
    extra: { schedule: { kind: 'constant' } },
    arms: [
      { label: 'SGD', optimizer: { name: 'sgd' } },
      { label: 'SAM', optimizer: { name: 'sam' } },
      { label: 'F-SAM', optimizer: { name: 'fsam' } },
    ],
    axis: { parameter: 'labelNoise', values: [0.2, 0.4, 0.6] },
  }),
};
