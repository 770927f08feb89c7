/**
 * shapes10: the built-in data set, drawn procedurally from a seed so the studio works without any download.
 *
 * Ten classes of shapes and textures, each image with a random position, size, aspect, rotation, colours,
 * shading gradients, background clutter (strokes and specks, some drawn over the shape) and pixel noise.
 * Edges are anti-aliased analytically (coverage = clamp(0.5 − signed distance in pixels)).
 *
 * Determinism: every number comes from seeded integer generators and IEEE double arithmetic; the only
 * library maths are Math.sin/cos/atan2/sqrt, which V8 computes with its own portable (fdlibm) code, so a
 * seed gives the same bytes on every machine. Each example is drawn from its own generator, seeded from the
 * split's stream (engine/random.ts), so a smaller trainCount yields a prefix of a larger one, and the test
 * split uses a stream independent of the train split. A test pins the digest of a small set: a change to
 * this file or to engine/random.ts that alters the bytes fails it.
 */
import { Random } from '../engine/random.js';
import type { DataSplit, ImageDataset } from './dataset.js';

export const BUILTIN_DATASET_NAME = 'shapes10';

export const BUILTIN_CLASS_NAMES: readonly string[] = [
  'circle',
  'ring',
  'square',
  'triangle',
  'cross',
  'horizontal bars',
  'vertical bars',
  'diagonal stripes',
  'checkerboard',
  'star',
];

export interface BuiltinDatasetOptions {
  seed?: number;
  trainCount?: number;
  testCount?: number;
  /** Side of the square images in pixels (8..256). */
  size?: number;
  channels?: 1 | 3;
}

export const BUILTIN_DEFAULTS = { seed: 1, trainCount: 10000, testCount: 2000, size: 32, channels: 3 } as const;

export interface BuiltinDatasetDescription {
  name: string;
  title: string;
  summary: string;
  classNames: string[];
  imageShape: [number, number, number];
  trainCount: number;
  testCount: number;
  seed: number;
}

/** What generateBuiltinDataset(options) would produce, without drawing it (for pickers and run records). */
export function describeBuiltinDataset(options: BuiltinDatasetOptions = {}): BuiltinDatasetDescription {
  const resolved = resolveOptions(options);
  return {
    name: BUILTIN_DATASET_NAME,
    title: 'Shapes-10 (built-in, generated)',
    summary:
      'Ten classes of procedurally drawn shapes and textures (circle, ring, square, triangle, cross, horizontal ' +
      'bars, vertical bars, diagonal stripes, checkerboard, star) at random positions, sizes, rotations and ' +
      'colours, over cluttered, shaded, noisy backgrounds. Generated from the seed in about a second; the same ' +
      'seed always gives the same images.',
    classNames: [...BUILTIN_CLASS_NAMES],
    imageShape: [resolved.size, resolved.size, resolved.channels],
    trainCount: resolved.trainCount,
    testCount: resolved.testCount,
    seed: resolved.seed,
  };
}

type ResolvedOptions = { seed: number; trainCount: number; testCount: number; size: number; channels: 1 | 3 };

function resolveOptions(options: BuiltinDatasetOptions): ResolvedOptions {
  const seed = options.seed ?? BUILTIN_DEFAULTS.seed;
  const trainCount = options.trainCount ?? BUILTIN_DEFAULTS.trainCount;
  const testCount = options.testCount ?? BUILTIN_DEFAULTS.testCount;
  const size = options.size ?? BUILTIN_DEFAULTS.size;
  const channels = options.channels ?? BUILTIN_DEFAULTS.channels;
  if (!Number.isSafeInteger(seed)) throw new Error(`shapes10: seed must be an integer, got ${seed}`);
  for (const [field, value] of [['trainCount', trainCount], ['testCount', testCount]] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 1_000_000) {
      throw new Error(`shapes10: ${field} must be a whole number from 0 to 1000000, got ${value}`);
    }
  }
  if (!Number.isInteger(size) || size < 8 || size > 256) {
    throw new Error(`shapes10: size must be a whole number of pixels from 8 to 256, got ${size}`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`shapes10: channels must be 1 (grey) or 3 (colour), got ${String(channels)}`);
  }
  return { seed, trainCount, testCount, size, channels };
}

export function generateBuiltinDataset(options: BuiltinDatasetOptions = {}): ImageDataset {
  const { seed, trainCount, testCount, size, channels } = resolveOptions(options);
  const renderer = new ShapeRenderer(size, channels);
  return {
    name: BUILTIN_DATASET_NAME,
    classNames: [...BUILTIN_CLASS_NAMES],
    imageShape: [size, size, channels],
    train: generateSplit(renderer, Random.stream(seed, 'shapes10/train'), trainCount),
    test: generateSplit(renderer, Random.stream(seed, 'shapes10/test'), testCount),
    source: `generated shapes10, seed ${seed}, ${size}×${size}×${channels}, ${trainCount} train / ${testCount} test`,
  };
}

function generateSplit(renderer: ShapeRenderer, stream: Random, count: number): DataSplit {
  const classCount = BUILTIN_CLASS_NAMES.length;
  const labelStream = stream.fork('labels');
  const imageStream = stream.fork('images');
  const labels = new Uint8Array(count);
  // Labels come in shuffled blocks of one example per class: balanced for every prefix, in no fixed order.
  for (let start = 0; start < count; start += classCount) {
    const block = labelStream.permutation(classCount);
    for (let k = 0; k < classCount && start + k < count; k++) labels[start + k] = block[k]!;
  }
  const exampleBytes = renderer.size * renderer.size * renderer.channels;
  const images = new Uint8Array(count * exampleBytes);
  const generator = new Sfc32();
  for (let i = 0; i < count; i++) {
    generator.seed(Math.floor(imageStream.nextFloat() * 4294967296), Math.floor(imageStream.nextFloat() * 4294967296));
    renderer.render(labels[i]!, generator, images, i * exampleBytes);
  }
  return { images, labels, count };
}

/** sfc32: a small, fast 32-bit generator (PractRand-clean) for the per-pixel draws; integer ops only. */
class Sfc32 {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  seed(high: number, low: number): void {
    this.a = high | 0;
    this.b = low | 0;
    this.c = 0x9e3779b9 | 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  range(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Approximately standard normal: the sum of the four bytes of one draw (Irwin–Hall), standardised. */
  gaussian(): number {
    const bits = this.nextUint32();
    return ((bits & 255) + ((bits >>> 8) & 255) + ((bits >>> 16) & 255) + (bits >>> 24) - 510) * (1 / 147.8);
  }
}

const enum Shape {
  Circle = 0,
  Ring = 1,
  Square = 2,
  Triangle = 3,
  Cross = 4,
  HorizontalBars = 5,
  VerticalBars = 6,
  DiagonalStripes = 7,
  Checkerboard = 8,
  Star = 9,
}

/**
 * How hard the images are; changing any value changes the data every stored shapes10 run was trained on.
 * Tuned with the zoo's small CNN (conv32-BN-pool, conv64-BN-pool, dense 128), SGD momentum 0.9, batch 128:
 * it learns the set over a few epochs (far from 100% after the first) while raw-pixel baselines stay near
 * chance. Most of the difficulty is the random colours and polarity (nothing in the pixel values themselves
 * says "shape"), then position, noise and clutter.
 */
const DIFFICULTY = {
  minimumContrast: 50, // grey levels between the shape's and the background's luminance
  backgroundShade: 50, // largest luminance change across the image
  foregroundShade: 40, // largest luminance change across the shape
  noiseSigma: [2, 16], // per-pixel, per-channel noise, grey levels
  radius: [0.22, 0.38], // shape radius as a fraction of the image side
  offset: 0.08, // largest shift of the shape's centre from the image centre, fraction of the side
  clutter: [1, 5], // number of strokes and specks
  lightShapeProbability: 0.5, // chance that the shape is lighter than its background (else darker)
} as const;

const MAX_CLUTTER = 8;
const TWO_PI = 2 * Math.PI;
const STAR_SECTOR = TWO_PI / 5;
const SQRT3_HALF = Math.sqrt(3) / 2;

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/**
 * Draws one example into a byte buffer. Holds the per-image parameters in fields and typed arrays so that
 * rendering 12k images allocates nothing.
 */
class ShapeRenderer {
  // shape frame: pixel → local coordinates u, v (the shape's unit is `radius` pixels)
  private centerX = 0;
  private centerY = 0;
  private radius = 1;
  private cosine = 1;
  private sine = 0;
  private inverseScaleU = 1;
  private inverseScaleV = 1;
  // shape parameters (their meaning depends on the class)
  private thickness = 0;
  private period = 1;
  private phase = 0;
  private bias = 0;
  private patchIsDisc = false;
  private patchCosine = 1;
  private patchSine = 0;
  private starInner = 0.5;
  // colours and shading
  private readonly background: Float64Array;
  private readonly foreground: Float64Array;
  private backgroundSlopeX = 0;
  private backgroundSlopeY = 0;
  private foregroundSlopeX = 0;
  private foregroundSlopeY = 0;
  private noiseSigma = 0;
  // clutter: segments (x0, y0, x1, y1, half-width) and specks (x0, y0 = centre, half-width = radius)
  private clutterCount = 0;
  private readonly clutterIsSpeck = new Uint8Array(MAX_CLUTTER);
  private readonly clutterOnTop = new Uint8Array(MAX_CLUTTER);
  private readonly clutterGeometry = new Float64Array(MAX_CLUTTER * 5);
  private readonly clutterBox = new Float64Array(MAX_CLUTTER * 4);
  private readonly clutterColour: Float64Array;
  private readonly clutterAlpha = new Float64Array(MAX_CLUTTER);
  private readonly colourScratch = new Float64Array(3);
  private readonly pixel: Float64Array;

  constructor(
    readonly size: number,
    readonly channels: 1 | 3,
  ) {
    this.background = new Float64Array(channels);
    this.foreground = new Float64Array(channels);
    this.clutterColour = new Float64Array(MAX_CLUTTER * channels);
    this.pixel = new Float64Array(channels);
  }

  render(label: number, random: Sfc32, out: Uint8Array, offset: number): void {
    this.chooseParameters(label, random);
    const size = this.size;
    const channels = this.channels;
    const pixel = this.pixel;
    const background = this.background;
    const foreground = this.foreground;
    const half = size / 2;
    let index = offset;
    for (let y = 0; y < size; y++) {
      const py = y + 0.5;
      for (let x = 0; x < size; x++) {
        const px = x + 0.5;
        const backgroundShade = this.backgroundSlopeX * (px - half) + this.backgroundSlopeY * (py - half);
        for (let c = 0; c < channels; c++) pixel[c] = background[c]! + backgroundShade;
        if (this.clutterCount > 0) this.drawClutter(px, py, 0);
        const alpha = this.coverage(label, px, py);
        if (alpha > 0) {
          const foregroundShade = this.foregroundSlopeX * (px - this.centerX) + this.foregroundSlopeY * (py - this.centerY);
          for (let c = 0; c < channels; c++) pixel[c] = pixel[c]! + alpha * (foreground[c]! + foregroundShade - pixel[c]!);
        }
        if (this.clutterCount > 0) this.drawClutter(px, py, 1);
        for (let c = 0; c < channels; c++) {
          let value = pixel[c]! + this.noiseSigma * random.gaussian() + 0.5;
          value = value < 0 ? 0 : value > 255 ? 255 : value;
          out[index++] = value; // Uint8Array stores truncate: value + 0.5 rounds
        }
      }
    }
  }

  private chooseParameters(label: number, random: Sfc32): void {
    const size = this.size;
    const channels = this.channels;
    // Colours: background and foreground at least 40 grey levels apart in luminance, either way round.
    const backgroundLuminance = this.randomColour(random, this.background);
    let foregroundLuminance = this.randomColour(random, this.foreground);
    for (let attempt = 0; attempt < 16 && Math.abs(foregroundLuminance - backgroundLuminance) < DIFFICULTY.minimumContrast; attempt++) {
      foregroundLuminance = this.randomColour(random, this.foreground);
    }
    if (Math.abs(foregroundLuminance - backgroundLuminance) < DIFFICULTY.minimumContrast) {
      const shift = backgroundLuminance < 128 ? 2 * DIFFICULTY.minimumContrast : -2 * DIFFICULTY.minimumContrast;
      for (let c = 0; c < channels; c++) this.foreground[c] = this.foreground[c]! + shift;
      foregroundLuminance += shift;
    }
    if (foregroundLuminance > backgroundLuminance !== random.float() < DIFFICULTY.lightShapeProbability) {
      for (let c = 0; c < channels; c++) {
        const swap = this.foreground[c]!;
        this.foreground[c] = this.background[c]!;
        this.background[c] = swap;
      }
    }
    // Shading: linear gradients across the whole image and across the shape.
    const backgroundAngle = random.range(0, TWO_PI);
    const backgroundAmount = random.range(0, DIFFICULTY.backgroundShade) / size;
    this.backgroundSlopeX = Math.cos(backgroundAngle) * backgroundAmount;
    this.backgroundSlopeY = Math.sin(backgroundAngle) * backgroundAmount;
    const foregroundAngle = random.range(0, TWO_PI);
    const foregroundAmount = random.range(0, DIFFICULTY.foregroundShade) / size;
    this.foregroundSlopeX = Math.cos(foregroundAngle) * foregroundAmount;
    this.foregroundSlopeY = Math.sin(foregroundAngle) * foregroundAmount;
    this.noiseSigma = random.range(DIFFICULTY.noiseSigma[0], DIFFICULTY.noiseSigma[1]);

    // Placement: anywhere that keeps most of the shape in view.
    this.radius = size * random.range(DIFFICULTY.radius[0], DIFFICULTY.radius[1]);
    this.centerX = size / 2 + size * random.range(-DIFFICULTY.offset, DIFFICULTY.offset);
    this.centerY = size / 2 + size * random.range(-DIFFICULTY.offset, DIFFICULTY.offset);
    let angle = random.range(0, TWO_PI);
    let aspectU = random.range(0.82, 1.18);
    let aspectV = random.range(0.82, 1.18);
    switch (label) {
      case Shape.Ring:
        this.thickness = random.range(0.16, 0.34);
        break;
      case Shape.Cross:
        this.thickness = random.range(0.2, 0.32);
        break;
      case Shape.Star:
        this.starInner = random.range(0.36, 0.55);
        break;
      case Shape.HorizontalBars:
      case Shape.VerticalBars:
      case Shape.DiagonalStripes:
      case Shape.Checkerboard: {
        // The class is the texture, not the outline: the patch is a disc or a square of its own rotation,
        // and for stripes the orientation is the class (±0.2 rad jitter; diagonals are 45° or 135°).
        this.radius = size * random.range(0.24, 0.38);
        this.period = random.range(3.2, 6) / this.radius; // in local units
        this.phase = random.float();
        this.bias = random.range(-0.3, 0.3);
        this.patchIsDisc = random.float() < 0.5;
        const patchAngle = random.range(0, TWO_PI);
        this.patchCosine = Math.cos(patchAngle);
        this.patchSine = Math.sin(patchAngle);
        aspectU = 1;
        aspectV = 1;
        const jitter = random.range(-0.2, 0.2);
        if (label === Shape.HorizontalBars) angle = jitter;
        else if (label === Shape.VerticalBars) angle = Math.PI / 2 + jitter;
        else if (label === Shape.DiagonalStripes) angle = (random.float() < 0.5 ? Math.PI / 4 : -Math.PI / 4) + jitter;
        break;
      }
      default:
        break;
    }
    this.cosine = Math.cos(angle);
    this.sine = Math.sin(angle);
    this.inverseScaleU = 1 / (this.radius * aspectU);
    this.inverseScaleV = 1 / (this.radius * aspectV);

    // Clutter: strokes and specks in other colours; about a quarter are drawn over the shape.
    this.clutterCount = DIFFICULTY.clutter[0] + random.int(DIFFICULTY.clutter[1] - DIFFICULTY.clutter[0] + 1);
    for (let k = 0; k < this.clutterCount; k++) {
      const speck = random.float() < 0.4;
      this.clutterIsSpeck[k] = speck ? 1 : 0;
      this.clutterOnTop[k] = random.float() < 0.25 ? 1 : 0;
      const x0 = random.range(0, size);
      const y0 = random.range(0, size);
      const geometry = this.clutterGeometry;
      geometry[k * 5] = x0;
      geometry[k * 5 + 1] = y0;
      let halfWidth: number;
      let extent: number;
      if (speck) {
        halfWidth = random.range(0.6, 1.8) * (size / 32);
        geometry[k * 5 + 2] = x0;
        geometry[k * 5 + 3] = y0;
        extent = halfWidth;
      } else {
        halfWidth = random.range(0.3, 0.8) * (size / 32);
        const length = random.range(0.12, 0.4) * size;
        const direction = random.range(0, TWO_PI);
        geometry[k * 5 + 2] = x0 + Math.cos(direction) * length;
        geometry[k * 5 + 3] = y0 + Math.sin(direction) * length;
        extent = halfWidth;
      }
      geometry[k * 5 + 4] = halfWidth;
      const box = this.clutterBox;
      box[k * 4] = Math.min(x0, geometry[k * 5 + 2]!) - extent - 1;
      box[k * 4 + 1] = Math.min(y0, geometry[k * 5 + 3]!) - extent - 1;
      box[k * 4 + 2] = Math.max(x0, geometry[k * 5 + 2]!) + extent + 1;
      box[k * 4 + 3] = Math.max(y0, geometry[k * 5 + 3]!) + extent + 1;
      this.randomColour(random, this.colourScratch);
      for (let c = 0; c < channels; c++) this.clutterColour[k * channels + c] = this.colourScratch[c]!;
      this.clutterAlpha[k] = random.range(0.5, 1);
    }
  }

  /** Fills `target` with a random colour (grey when rendering one channel) and returns its luminance. */
  private randomColour(random: Sfc32, target: Float64Array): number {
    const red = random.range(0, 255);
    const green = random.range(0, 255);
    const blue = random.range(0, 255);
    const luminance = 0.299 * red + 0.587 * green + 0.114 * blue;
    if (this.channels === 1) {
      target[0] = luminance;
    } else {
      target[0] = red;
      target[1] = green;
      target[2] = blue;
    }
    return luminance;
  }

  private drawClutter(px: number, py: number, onTop: number): void {
    const channels = this.channels;
    const pixel = this.pixel;
    for (let k = 0; k < this.clutterCount; k++) {
      if (this.clutterOnTop[k] !== onTop) continue;
      const box = this.clutterBox;
      if (px < box[k * 4]! || py < box[k * 4 + 1]! || px > box[k * 4 + 2]! || py > box[k * 4 + 3]!) continue;
      const geometry = this.clutterGeometry;
      const x0 = geometry[k * 5]!;
      const y0 = geometry[k * 5 + 1]!;
      const dx = geometry[k * 5 + 2]! - x0;
      const dy = geometry[k * 5 + 3]! - y0;
      const lengthSquared = dx * dx + dy * dy;
      let t = lengthSquared > 0 ? ((px - x0) * dx + (py - y0) * dy) / lengthSquared : 0;
      t = clamp01(t);
      const ex = px - x0 - t * dx;
      const ey = py - y0 - t * dy;
      const distance = Math.sqrt(ex * ex + ey * ey) - geometry[k * 5 + 4]!;
      const alpha = clamp01(0.5 - distance) * this.clutterAlpha[k]!;
      if (alpha <= 0) continue;
      for (let c = 0; c < channels; c++) pixel[c] = pixel[c]! + alpha * (this.clutterColour[k * channels + c]! - pixel[c]!);
    }
  }

  /** Fraction of the pixel centred at (px, py) covered by the shape, anti-aliased over about one pixel. */
  private coverage(label: number, px: number, py: number): number {
    const dx = px - this.centerX;
    const dy = py - this.centerY;
    const radius = this.radius;
    // Cheap reject: no shape reaches beyond 1.5 radii (aspect ≤ 1.18, square corners at 0.8·√2).
    if (dx * dx + dy * dy > 2.25 * radius * radius) return 0;
    const u = (dx * this.cosine + dy * this.sine) * this.inverseScaleU;
    const v = (dy * this.cosine - dx * this.sine) * this.inverseScaleV;
    // signed distance in local units (negative inside); × radius converts to pixels
    let distance: number;
    switch (label) {
      case Shape.Circle:
        distance = Math.sqrt(u * u + v * v) - 1;
        break;
      case Shape.Ring: {
        const half = this.thickness / 2;
        distance = Math.abs(Math.sqrt(u * u + v * v) - (1 - half)) - half;
        break;
      }
      case Shape.Square:
        distance = Math.max(Math.abs(u), Math.abs(v)) - 0.8;
        break;
      case Shape.Triangle: {
        // equilateral, circumradius 1.1 (inradius 0.55), apex along −v
        const a = -v;
        const b = SQRT3_HALF * u + 0.5 * v;
        const c = -SQRT3_HALF * u + 0.5 * v;
        distance = Math.max(a, b, c) - 0.55;
        break;
      }
      case Shape.Cross: {
        const au = Math.abs(u);
        const av = Math.abs(v);
        const arm = this.thickness;
        distance = Math.min(Math.max(au - 0.95, av - arm), Math.max(au - arm, av - 0.95));
        break;
      }
      case Shape.Star: {
        const rho = Math.sqrt(u * u + v * v);
        let sector = Math.atan2(v, u) + Math.PI; // 0..2π
        sector -= STAR_SECTOR * Math.floor(sector / STAR_SECTOR);
        const towardsTip = Math.abs(sector - STAR_SECTOR / 2) / (STAR_SECTOR / 2); // 0 at inner vertex, 1 at tip
        const outline = this.starInner + (1.05 - this.starInner) * towardsTip;
        distance = (rho - outline) * 0.8;
        break;
      }
      default:
        return this.textureCoverage(label, dx, dy, u, v);
    }
    return clamp01(0.5 - distance * radius);
  }

  /** Stripes and checkerboard inside a disc- or square-shaped patch. */
  private textureCoverage(label: number, dx: number, dy: number, u: number, v: number): number {
    const radius = this.radius;
    let patchDistance: number;
    if (this.patchIsDisc) {
      patchDistance = Math.sqrt(dx * dx + dy * dy) / radius - 1;
    } else {
      const pu = (dx * this.patchCosine + dy * this.patchSine) / radius;
      const pv = (dy * this.patchCosine - dx * this.patchSine) / radius;
      patchDistance = Math.max(Math.abs(pu), Math.abs(pv)) - 0.85;
    }
    const mask = clamp01(0.5 - patchDistance * radius);
    if (mask <= 0) return 0;
    const periodPixels = this.period * radius;
    let wave: number;
    if (label === Shape.Checkerboard) {
      const su = Math.sin((TWO_PI * (u / this.period + this.phase)) / 2);
      const sv = Math.sin((TWO_PI * (v / this.period + this.phase)) / 2);
      wave = su * sv;
    } else {
      wave = Math.sin(TWO_PI * (v / this.period + this.phase)) - this.bias;
    }
    // Scale so the wave crosses 0 → 1 over about a pixel at an edge (the slope of sin(2πt/p) there is 2π/p).
    const sharpness = label === Shape.Checkerboard ? periodPixels / Math.PI : periodPixels / TWO_PI;
    return mask * clamp01(0.5 + wave * sharpness);
  }
}
