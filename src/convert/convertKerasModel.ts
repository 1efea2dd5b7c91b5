/**
 * `--arch auto` (issue 18): from the bytes of a Keras model file (`.h5` of Keras 2 or 3, `.keras`) to
 * a filled tfjs model and the manifest of its folder — the model's own configuration translated
 * ({@link buildKerasModel}), every weight mapped by layer and weight name, the input size read from
 * the model, the preprocessing given (`--preprocess`) or known from a keras.applications name, the
 * class names given (`--classes`) or ImageNet's for a 1,000-way head.
 */
import * as tf from '@tensorflow/tfjs';
import { WeightsManifest } from '../weights';
import { defaultLayerName } from '../model/graph';
import { BuiltKerasModel, buildKerasModel } from './buildKerasModel';
import { classNamesFor } from './imagenetClasses';
import { KerasModelFile, readKerasModelFile } from './kerasModelFile';
import { PreprocessMode, knownApplicationMode, preprocessingOf } from './kerasPreprocessing';
import { ConvertedSource, sha256Hex } from './manifest';
import { ChannelPreprocessing } from './preprocessing';

/** `manifest.json` of a model converted with `--arch auto`. */
export interface AutoConvertedManifest extends Omit<WeightsManifest, 'preprocessing' | 'training' | 'architecture'> {
  /** `keras:<model name>`: the architecture is the file's own configuration. */
  readonly architecture: string;
  readonly preprocessing: ChannelPreprocessing;
  readonly training: {
    readonly source: ConvertedSource;
    readonly convertedBy: string;
    readonly kerasVersion: string | undefined;
    readonly container: 'h5' | 'keras';
  };
}

/** Options of {@link convertKerasModel}. */
export interface ConvertKerasModelOptions {
  /** File name, for messages and the manifest. @default 'model' */
  readonly fileName?: string;
  /** Folder name recorded in the manifest. @default the model's name */
  readonly name?: string;
  /** Input convention; required unless the model is a known keras.applications network. */
  readonly preprocess?: PreprocessMode;
  /** Class names, one per output. @default ImageNet's for 1,000 outputs, else `class i` */
  readonly classes?: readonly string[];
  /** Input side for a model whose input size is not fixed (`(None, None, 3)`). */
  readonly inputSize?: number;
}

/** A converted model and its manifest (without `files`); the caller disposes `model`. */
export interface KerasModelConversion extends BuiltKerasModel {
  readonly file: KerasModelFile;
  readonly manifest: Omit<AutoConvertedManifest, 'files'>;
}

/** The file holds weights only: `--arch` must name the architecture. */
export class NoModelConfigError extends Error {}

/**
 * Converts a Keras `.h5` / `.keras` model file into a filled tfjs model and its manifest.
 *
 * @throws NoModelConfigError for a weights-only file; UnsupportedLayerError naming the layer and class
 *   tfjs cannot build; Error for mismatched weights, a missing preprocessing, wrong class names.
 */
export async function convertKerasModel(bytes: Uint8Array, options: ConvertKerasModelOptions = {}): Promise<KerasModelConversion> {
  const fileName = options.fileName ?? 'model';
  const file = readKerasModelFile(bytes, fileName);
  if (file === undefined) {
    throw new NoModelConfigError(`${fileName} holds weights only (no model configuration): pass --arch vgg16|vgg16-gap to say which architecture they fill`);
  }
  const modelName = String(file.config.config.name ?? 'model');
  const mode = options.preprocess ?? knownApplicationMode(modelName);
  if (mode === undefined) {
    throw new Error(`${fileName}: model '${modelName}' is not a keras.applications network whose input convention is known; pass --preprocess caffe|tf|torch|none`);
  }
  const built = await buildKerasModel(file, fileName);
  try {
    const manifest = describe(built.model, file, bytes, { ...options, fileName, modelName, mode });
    return { ...built, file, manifest };
  } catch (error) {
    built.model.dispose();
    throw error;
  }
}

interface Described extends ConvertKerasModelOptions {
  readonly fileName: string;
  readonly modelName: string;
  readonly mode: PreprocessMode;
}

function describe(model: tf.LayersModel, file: KerasModelFile, bytes: Uint8Array, o: Described): Omit<AutoConvertedManifest, 'files'> {
  const [, h, w, c] = model.inputs[0].shape;
  if (model.inputs.length !== 1 || model.inputs[0].shape.length !== 4 || c !== 3) {
    throw new Error(`${o.fileName}: model '${o.modelName}' must take one image input [batch, h, w, 3], it takes ${model.inputs.map((i) => `[${i.shape.map((d) => d ?? 'None').join(', ')}]`).join(', ')}`);
  }
  const inputSize: [number, number] = h != null && w != null ? [h, w] : [o.inputSize ?? 0, o.inputSize ?? 0];
  if (inputSize[0] <= 0) throw new Error(`${o.fileName}: model '${o.modelName}' accepts any input size; pass --input-size N`);
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 0;
  if (o.classes !== undefined && o.classes.length !== outputs) {
    throw new Error(`${o.fileName}: --classes gives ${o.classes.length} names but the model has ${outputs} outputs`);
  }
  let lastConv = '';
  try {
    lastConv = defaultLayerName(model);
  } catch {
    lastConv = '';
  }
  const why = o.preprocess !== undefined ? '--preprocess' : `keras.applications '${o.modelName}'`;
  const source: ConvertedSource = { format: 'keras', layout: file.container === 'keras' ? 'keras3' : 'keras-h5-model', file: o.fileName, bytes: bytes.length, sha256: sha256Hex(bytes) };
  return {
    name: o.name ?? o.modelName,
    description: `Keras model '${o.modelName}' (${model.layers.length} layers, ${model.countParams()} parameters) converted from ${o.fileName} with its own configuration`,
    architecture: `keras:${o.modelName}`,
    format: 'tfjs-layers',
    classes: o.classes?.slice() ?? classNamesFor(outputs),
    inputSize,
    preprocessing: preprocessingOf(o.mode, why),
    layers: { lastConv, logits: model.outputs[0].sourceLayer.name },
    training: { source, convertedBy: 'wsol-lab scripts/convert.ts --arch auto (src/convert)', kerasVersion: file.kerasVersion, container: file.container },
    metrics: {},
  };
}
