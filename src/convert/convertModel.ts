/**
 * Builds a fresh model of an architecture sized from a model file's weights and fills it with them:
 * the step between reading a file ({@link readCaffemodel}, {@link readKerasH5}) and writing tfjs files.
 */
import * as tf from '@tensorflow/tfjs';
import { ArchModelOptions, ConvertArch, buildArchModel } from './architectures';
import { MappedWeights, mapWeights } from './mapWeights';
import { SourceNet } from './sourceNet';

/** Options of {@link convertToModel}. */
export interface ConvertToModelOptions {
  /**
   * Input side of the model. VGG16's is fixed by fc6's inputs (32 × the side of pool5) and must match
   * when given; VGG16-GAP works at any multiple of 16.
   * @default 32 × pool5's side for vgg16 (224 for the real file); 224 for vgg16-gap
   */
  readonly inputSize?: number;
  /**
   * Builds the empty model to fill. Tests pass a builder of the same layer names and layout at tiny
   * widths; the shapes of its weights are checked against the file's all the same.
   * @default the vgg16 / vgg16Gap of src/models
   */
  readonly build?: (arch: ConvertArch, options: ArchModelOptions) => tf.LayersModel;
}

/** The result of {@link convertToModel}. */
export interface ConvertedModel {
  /** A new model holding the file's weights; the caller owns it (`model.dispose()`). */
  readonly model: tf.LayersModel;
  readonly weights: MappedWeights;
  readonly inputSize: number;
}

/** One weight of a model, in the order of `model.weights`, with its values taken from the file when asked. */
export interface ModelWeight {
  /** The name model.json gives it (`conv1_1/kernel`). */
  readonly name: string;
  readonly shape: readonly number[];
  /** The values in tfjs' layout, computed from the file (a new array on each call). */
  values(): Float32Array;
  /** The same values in consecutive pieces, where the tensor is too large to compute whole. */
  chunks?(): Iterable<Float32Array>;
}

/** What the converters need of a built model: its topology, and its weights by layer and in order. */
export interface ModelDescription {
  /** `model.toJSON(null, false)`: the `modelTopology` of model.json. */
  readonly topology: object;
  /** Layers that carry weights, with their weights (`name`: unique variable name; `originalName`: model.json's). */
  readonly layers: ReadonlyArray<{ readonly name: string; readonly weights: readonly VariableInfo[] }>;
  /** Every weight in `model.weights` order. */
  readonly weights: readonly VariableInfo[];
}

/** A model variable's names and shape. */
export interface VariableInfo {
  readonly name: string;
  readonly originalName: string;
  readonly shape: readonly number[];
}

/** The {@link ModelDescription} of a built model. */
export function describeModel(model: tf.LayersModel): ModelDescription {
  const info = (w: tf.LayerVariable): VariableInfo => ({ name: w.name, originalName: w.originalName, shape: w.shape as number[] });
  return {
    topology: model.toJSON(null, false) as object,
    layers: model.layers.filter((l) => l.weights.length > 0).map((l) => ({ name: l.name, weights: l.weights.map(info) })),
    weights: model.weights.map(info),
  };
}

/**
 * Builds the model of `arch` at `options`' size, describes it and disposes it at once: only its
 * topology and the names and shapes of its weights are kept (the values will come from the file).
 */
export function describeArchModel(
  arch: ConvertArch,
  options: ArchModelOptions,
  build: (arch: ConvertArch, options: ArchModelOptions) => tf.LayersModel = buildArchModel,
): ModelDescription {
  const model = build(arch, options);
  try {
    return describeModel(model);
  } finally {
    model.dispose();
  }
}

/** How a file maps onto an architecture, from its shapes alone ({@link mapWeights} + the input size). */
export interface ConversionPlan {
  readonly weights: MappedWeights;
  readonly inputSize: number;
}

/**
 * Maps `net` onto `arch` and settles the input size (nothing is read from the file but shapes).
 *
 * @throws Error for missing or surplus layers, wrong shapes or wiring (see {@link mapWeights}), and an
 *   `inputSize` that contradicts fc6.
 */
export function planConversion(net: SourceNet, arch: ConvertArch, inputSize?: number): ConversionPlan {
  const weights = mapWeights(net, arch);
  return { weights, inputSize: resolveInputSize(weights, inputSize) };
}

/**
 * Maps `net` onto `arch` and returns a new model of that architecture holding its weights, filled
 * one layer at a time (each weight's values exist once, while it is set).
 *
 * @throws Error for missing or surplus layers, wrong shapes (see {@link mapWeights}), an `inputSize`
 *   that contradicts fc6, or a built model whose weight layers or shapes differ from the file's.
 */
export function convertToModel(net: SourceNet, arch: ConvertArch, options: ConvertToModelOptions = {}): ConvertedModel {
  const { weights, inputSize } = planConversion(net, arch, options.inputSize);
  const build = options.build ?? buildArchModel;
  const model = build(arch, { inputSize, classes: weights.classes });
  try {
    const fill = matchWeights(describeModel(model), weights);
    const variables = model.weights;
    fill.forEach((weight, i) => {
      const value = tf.tensor(weight.values(), weight.shape.slice());
      try {
        variables[i].write(value);
      } finally {
        value.dispose();
      }
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, weights, inputSize };
}

function resolveInputSize(weights: MappedWeights, requested: number | undefined): number {
  if (weights.flattenSide === undefined) return requested ?? 224;
  const fromFc6 = weights.flattenSide * 32;
  if (requested !== undefined && requested !== fromFc6) {
    throw new RangeError(
      `inputSize ${requested} does not fit this file: fc6 reads a ${weights.flattenSide}×${weights.flattenSide} pool5, ` +
        `so the input must be ${fromFc6}×${fromFc6}`,
    );
  }
  return fromFc6;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Matches each weight of a described model (made by the architecture's builder) to a mapped kernel
 * or bias, checking every shape; returns them in the model's weight order.
 *
 * @throws Error for a weight layer of the model the file does not fill, and for a shape that differs.
 */
export function matchWeights(model: ModelDescription, weights: MappedWeights): ModelWeight[] {
  const mapped = new Map(weights.layers.map((l) => [l.name, l]));
  const unfilled = model.layers.filter((l) => !mapped.has(l.name)).map((l) => l.name);
  if (unfilled.length > 0) throw new Error(`the ${weights.arch} model has weight layers the file does not fill: ${unfilled.join(', ')}`);
  const targets = new Map(model.layers.map((l) => [l.name, l]));
  const byVariable = new Map<string, ModelWeight>();
  for (const layer of weights.layers) {
    const target = targets.get(layer.name);
    if (target === undefined) throw new Error(`the ${weights.arch} model has no weight layer '${layer.name}'`);
    const shapes = target.weights.map((w) => w.shape);
    const given = [layer.kernel.shape, layer.bias.shape];
    if (shapes.length !== 2 || !sameShape(shapes[0], given[0]) || !sameShape(shapes[1], given[1])) {
      throw new RangeError(
        `${layer.name}: the ${weights.arch} model expects kernel/bias ${shapes.map((s) => `[${s.join(', ')}]`).join(' / ')}, ` +
          `the file gives [${given[0].join(', ')}] / [${given[1].join(', ')}] (from '${layer.sourceName}' [${layer.sourceShape.join(', ')}])`,
      );
    }
    [layer.kernel, layer.bias].forEach((tensor, i) => {
      const variable = target.weights[i];
      byVariable.set(variable.name, { name: variable.originalName, shape: tensor.shape, values: () => tensor.values(), chunks: tensor.chunks });
    });
  }
  return model.weights.map((variable) => {
    const weight = byVariable.get(variable.name);
    if (weight === undefined) throw new Error(`the ${weights.arch} model's weight ${variable.originalName} has no counterpart in the file`);
    return weight;
  });
}
