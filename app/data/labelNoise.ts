/**
 * Synthetic label noise on the training split, the way robustness experiments with SAM and F-SAM corrupt
 * CIFAR: symmetric (a fraction of the labels resampled uniformly over all classes) or asymmetric (a fraction
 * of each source class moved to one confusable class). Test labels are never touched.
 *
 * Seeded by the run's seed through its own stream, so every run of a comparison with the same seed trains
 * on exactly the same noisy labels, whatever the optimizer.
 */
import { z } from 'zod';
import { Random } from '../engine/random.js';

export const LABEL_NOISE_KINDS = ['none', 'symmetric', 'asymmetric'] as const;

export const labelNoiseSchema = z.strictObject({
  kind: z.enum(LABEL_NOISE_KINDS, { error: `kind must be one of ${LABEL_NOISE_KINDS.join(', ')}` }).default('none'),
  /** symmetric: the share of all training labels resampled; asymmetric: the share of each source class moved. */
  fraction: z
    .number({ error: 'fraction must be a number between 0 and 1' })
    .min(0, { error: 'fraction must be at least 0' })
    .max(1, { error: 'fraction must be at most 1 (it is a share of the labels, not a percentage)' })
    .default(0),
});
export type LabelNoise = z.infer<typeof labelNoiseSchema>;
export type LabelNoiseInput = z.input<typeof labelNoiseSchema>;

/** CIFAR-10's classes in their standard order; a data set with exactly these names gets the CIFAR-10 mapping. */
const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** truck → automobile, bird → airplane, cat ↔ dog, deer → horse (Patrini et al.'s confusable pairs). */
const CIFAR10_ASYMMETRIC: Record<string, string> = { truck: 'automobile', bird: 'airplane', cat: 'dog', dog: 'cat', deer: 'horse' };

/**
 * Where asymmetric noise sends each class (−1: the class keeps its labels). CIFAR-10 (recognised by its
 * class names) uses the standard confusable pairs; any other data set the "pair flip" i → (i + 1) mod K,
 * which moves every class by the same fraction to its neighbour.
 */
export function asymmetricTargets(classNames: readonly string[]): { targets: number[]; rule: string } {
  const names = classNames.map((name) => name.trim().toLowerCase());
  const isCifar10 = names.length === CIFAR10_CLASSES.length && names.every((name, i) => name === CIFAR10_CLASSES[i]);
  if (isCifar10) {
    return {
      targets: names.map((name) => (CIFAR10_ASYMMETRIC[name] ? names.indexOf(CIFAR10_ASYMMETRIC[name]) : -1)),
      rule: 'CIFAR-10 pairs: truck → automobile, bird → airplane, cat ↔ dog, deer → horse',
    };
  }
  const classes = names.length;
  return { targets: names.map((_, i) => (i + 1) % classes), rule: `pair flip: class i → class (i + 1) mod ${classes}` };
}

export interface NoisyLabels {
  /** The training labels to train on (a new array; the clean ones are left as they were). */
  labels: Uint8Array;
  /** How many labels now differ from the clean one, per clean class, and in all. */
  flippedPerClass: number[];
  flipped: number;
  /** The rule in words, for the user ("none", "symmetric: …", "pair flip: …"). */
  rule: string;
}

/**
 * Applies `noise` to `cleanLabels`. As in the F-SAM reference code, exactly ⌊fraction · n⌋ examples are
 * chosen by a seeded shuffle (not a coin per example), and symmetric noise draws their new label uniformly
 * over ALL classes, the true one included: fraction 0.4 on 10 classes leaves about 36 % of labels wrong.
 *
 * Asymmetric noise moves exactly ⌊fraction · n_c⌋ examples of each source class c. (The reference shuffles
 * all examples and moves the chosen ones of source classes, which is the same fraction in expectation.)
 */
export function applyLabelNoise(cleanLabels: Uint8Array, classNames: readonly string[], noise: LabelNoise, seed: number): NoisyLabels {
  const classes = classNames.length;
  const labels = new Uint8Array(cleanLabels);
  const flippedPerClass = new Array<number>(classes).fill(0);
  if (noise.kind === 'none' || noise.fraction === 0) return { labels, flippedPerClass, flipped: 0, rule: 'none' };
  const random = Random.stream(seed, `label-noise/${noise.kind}`);
  let rule: string;
  if (noise.kind === 'symmetric') {
    const chosen = random.permutation(labels.length).subarray(0, Math.floor(noise.fraction * labels.length));
    for (const index of chosen) labels[index] = random.nextInt(classes);
    rule = `symmetric: ${formatShare(noise.fraction)} of the training labels resampled uniformly over all ${classes} classes`;
  } else {
    const { targets, rule: mapping } = asymmetricTargets(classNames);
    for (let source = 0; source < classes; source++) {
      const target = targets[source]!;
      if (target < 0) continue;
      const members: number[] = [];
      for (let i = 0; i < cleanLabels.length; i++) if (cleanLabels[i] === source) members.push(i);
      const order = random.permutation(members.length);
      const moved = Math.floor(noise.fraction * members.length);
      for (let k = 0; k < moved; k++) labels[members[order[k]!]!] = target;
    }
    rule = `asymmetric: ${formatShare(noise.fraction)} of each source class moved (${mapping})`;
  }
  let flipped = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== cleanLabels[i]) {
      flippedPerClass[cleanLabels[i]!]! += 1;
      flipped += 1;
    }
  }
  return { labels, flippedPerClass, flipped, rule };
}

function formatShare(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))} %`;
}
