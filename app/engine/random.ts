/**
 * Seeded random numbers for everything that must repeat: initial weights, batch order, augmentation,
 * generated data. One run seed → the same draws on any machine and any optimizer, which is what makes a
 * comparison paired. Never use Math.random in the engine.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** FNV-1a over the label, mixed with the seed: a stable 32-bit seed per (seed, label). */
function deriveSeed(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // one more avalanche round so that nearby seeds give unrelated streams
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash | 0;
}

export class Random {
  private constructor(private generator: Generator) {}

  /** A generator for one purpose ("init", "batches", ...) of one seed; different labels never share draws. */
  static stream(seed: number, label: string): Random {
    return new Random(xoroshiro128plus(deriveSeed(seed, label)));
  }

  static fromState(state: readonly number[]): Random {
    return new Random(xoroshiro128plusFromState(state));
  }

  getState(): number[] {
    return [...this.generator.getState()];
  }

  /** An independent child stream, derived from this stream's next draw and a label. */
  fork(label: string): Random {
    return new Random(xoroshiro128plus(deriveSeed(this.generator.next(), label)));
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return uniformInt(this.generator, 0, n - 1);
  }

  /** Standard normal (Box–Muller; the second value is discarded to keep the state simple). */
  normal(): number {
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A normal draw truncated to two standard deviations, as Keras/PyTorch truncated-normal initialisers do. */
  truncatedNormal(): number {
    for (;;) {
      const z = this.normal();
      if (Math.abs(z) <= 2) return z;
    }
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Int32Array {
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order;
  }
}
