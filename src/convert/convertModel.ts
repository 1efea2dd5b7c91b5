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
}

/** A model of the architecture, built (randomly initialised) but not yet filled, with what will fill it. */
export interface EmptyModel extends ConvertedModel {
  /** Every weight of `model`, in `model.weights` order, matched to the file's. */
  readonly fill: readonly ModelWeight[];
}

/**
 * Maps `net` onto `arch`, builds an empty model of that architecture sized from the file, and matches
 * every weight of the model to the file's, checking every shape (nothing is read from the file yet).
 * The caller disposes `model`.
 *
 * @throws Error for missing or surplus layers, wrong shapes (see {@link mapWeights}), an `inputSize`
 *   that contradicts fc6, or a built model whose weight layers or shapes differ from the file's.
 */
export function buildEmptyModel(net: SourceNet, arch: ConvertArch, options: ConvertToModelOptions = {}): EmptyModel {
  const weights = mapWeights(net, arch);
  const inputSize = resolveInputSize(weights, options.inputSize);
  const build = options.build ?? buildArchModel;
  const model = build(arch, { inputSize, classes: weights.classes });
  try {
    return { model, weights, inputSize, fill: matchWeights(model, weights) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Maps `net` onto `arch` and returns a new model of that architecture holding its weights, filled
 * one layer at a time (each weight's values exist once, while it is set).
 *
 * @throws as {@link buildEmptyModel}.
 */
export function convertToModel(net: SourceNet, arch: ConvertArch, options: ConvertToModelOptions = {}): ConvertedModel {
  const { model, weights, inputSize, fill } = buildEmptyModel(net, arch, options);
  try {
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

/** Matches each weight of `model` (a model made here) to a mapped kernel or bias, checking every shape. */
function matchWeights(model: tf.LayersModel, weights: MappedWeights): ModelWeight[] {
  const mapped = new Map(weights.layers.map((l) => [l.name, l]));
  const unfilled = model.layers.filter((l) => l.weights.length > 0 && !mapped.has(l.name)).map((l) => l.name);
  if (unfilled.length > 0) throw new Error(`the ${weights.arch} model has weight layers the file does not fill: ${unfilled.join(', ')}`);
  const byVariable = new Map<string, ModelWeight>();
  for (const layer of weights.layers) {
    let target: tf.layers.Layer;
    try {
      target = model.getLayer(layer.name);
    } catch {
      throw new Error(`the ${weights.arch} model has no layer '${layer.name}'`);
    }
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
      byVariable.set(variable.name, { name: variable.originalName, shape: tensor.shape, values: () => tensor.values() });
    });
  }
  return model.weights.map((variable) => {
    const weight = byVariable.get(variable.name);
    if (weight === undefined) throw new Error(`the ${weights.arch} model's weight ${variable.originalName} has no counterpart in the file`);
    return weight;
  });
}
