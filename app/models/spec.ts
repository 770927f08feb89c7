/**
 * The declarative model vocabulary. The golden fixtures' layer list is one instance of it; the model zoo
 * writes its networks in it; the network builder turns it into tensors. Validated here, at the boundary.
 */
import { z } from 'zod';
import { parseOrThrow } from '../validation.js';

export const activationSchema = z.enum(['linear', 'relu', 'tanh']);
export type Activation = z.infer<typeof activationSchema>;

const positiveInt = z.number().int().positive();

const denseSchema = z.object({
  type: z.literal('dense'),
  units: positiveInt,
  activation: activationSchema.default('linear'),
  useBias: z.boolean().default(true),
});

const conv2dSchema = z.object({
  type: z.literal('conv2d'),
  filters: positiveInt,
  kernelSize: positiveInt,
  strides: positiveInt.default(1),
  padding: z.enum(['same', 'valid']).default('same'),
  activation: activationSchema.default('linear'),
  useBias: z.boolean().default(true),
});

const batchNormSchema = z.object({
  type: z.literal('batchNorm'),
  epsilon: z.number().positive().default(1e-5),
  /** Keras-style: moving ← momentum·moving + (1 − momentum)·batch (PyTorch's 0.1 is 0.9 here). */
  momentum: z.number().min(0).max(1).default(0.9),
});

const reluSchema = z.object({ type: z.literal('relu') });
const tanhSchema = z.object({ type: z.literal('tanh') });
const flattenSchema = z.object({ type: z.literal('flatten') });
const globalAvgPoolSchema = z.object({ type: z.literal('globalAvgPool') });
const maxPoolSchema = z.object({
  type: z.literal('maxPool2d'),
  poolSize: positiveInt,
  strides: positiveInt.optional(),
});
/**
 * He et al.'s CIFAR shortcut "option A": subsample by `strides` and zero-pad the channels up to `filters`.
 * It has no parameters, which is why ResNet-20 has 0.27 M of them.
 */
const paddedShortcutSchema = z.object({
  type: z.literal('paddedShortcut'),
  strides: positiveInt,
  filters: positiveInt,
});

export type LayerSpec =
  | z.infer<typeof denseSchema>
  | z.infer<typeof conv2dSchema>
  | z.infer<typeof batchNormSchema>
  | z.infer<typeof reluSchema>
  | z.infer<typeof tanhSchema>
  | z.infer<typeof flattenSchema>
  | z.infer<typeof globalAvgPoolSchema>
  | z.infer<typeof maxPoolSchema>
  | z.infer<typeof paddedShortcutSchema>
  | ResidualSpec;

/** out = activation(body(x) + shortcut(x)); an empty shortcut is the identity. */
export interface ResidualSpec {
  type: 'residual';
  body: LayerSpec[];
  shortcut: LayerSpec[];
  activation: Activation;
}

export type LayerSpecInput = z.input<typeof denseSchema> | z.input<typeof conv2dSchema> | z.input<typeof batchNormSchema>
  | z.input<typeof reluSchema> | z.input<typeof tanhSchema> | z.input<typeof flattenSchema> | z.input<typeof globalAvgPoolSchema>
  | z.input<typeof maxPoolSchema> | z.input<typeof paddedShortcutSchema>
  | { type: 'residual'; body: LayerSpecInput[]; shortcut?: LayerSpecInput[]; activation?: Activation };

export const layerSpecSchema: z.ZodType<LayerSpec, LayerSpecInput> = z.lazy(() =>
  z.discriminatedUnion('type', [
    denseSchema,
    conv2dSchema,
    batchNormSchema,
    reluSchema,
    tanhSchema,
    flattenSchema,
    globalAvgPoolSchema,
    maxPoolSchema,
    paddedShortcutSchema,
    z.object({
      type: z.literal('residual'),
      body: z.array(layerSpecSchema).min(1),
      shortcut: z.array(layerSpecSchema).default([]),
      activation: activationSchema.default('relu'),
    }),
  ]),
);

export const modelSpecSchema = z.object({
  /** Without the batch dimension: [features] or [height, width, channels]. */
  inputShape: z.array(positiveInt).min(1).max(3),
  layers: z.array(layerSpecSchema).min(1),
});
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelSpecInput = z.input<typeof modelSpecSchema>;

export function parseModelSpec(input: unknown): ModelSpec {
  return parseOrThrow(modelSpecSchema, input, 'Invalid model spec', 'model');
}
