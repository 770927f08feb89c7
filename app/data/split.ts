/**
 * A seeded, stratified train/test split for data sets that arrive as one pool (an image folder without
 * train/ and test/, a single CSV file). It is decided from the labels alone, before any pixel or feature is
 * decoded, so readers can write each example straight into its final place in the split it belongs to.
 */
import { Random } from '../engine/random.js';

export const DEFAULT_TEST_FRACTION = 0.2;
export const DEFAULT_SPLIT_SEED = 1;

export interface SplitPlan {
  /** Per example of the pool: its index inside the train split (≥ 0), or −1 − its index inside the test split. */
  slot: Int32Array;
  trainCount: number;
  testCount: number;
}

/**
 * Puts round(fraction · n_c) examples of every class c into the test split, chosen by a generator seeded with
 * `seed`. Inside each split the examples are in a seeded random order, so the first N of a split (trainCount,
 * testCount) are a random sample, not the first classes of a pool sorted by class. Same labels, fraction and
 * seed → the same split in the same order.
 */
export function planSplit(labels: ArrayLike<number>, classCount: number, fraction: number, seed: number): SplitPlan {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  const isTest = new Uint8Array(labels.length);
  const random = Random.stream(seed, 'dataset split');
  for (const members of byClass) {
    const testCount = Math.round(members.length * fraction);
    const order = random.permutation(members.length);
    for (let k = 0; k < testCount; k++) isTest[members[order[k]!]!] = 1;
  }
  const slot = new Int32Array(labels.length);
  let trainCount = 0;
  let testCount = 0;
  for (const i of random.permutation(labels.length)) slot[i] = isTest[i] ? -1 - testCount++ : trainCount++;
  return { slot, trainCount, testCount };
}

/**
 * For a split given as files (train/ and test/ folders, train.csv and test.csv): the place of each of its
 * `count` examples, in a seeded random order — for the same reason as planSplit's.
 */
export function shuffledPlaces(count: number, seed: number, split: 'train' | 'test'): Int32Array {
  return Random.stream(seed, `dataset order ${split}`).permutation(count);
}
