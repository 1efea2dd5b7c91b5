/**
 * Builds the tfjs-layers model of a Keras model file and fills every weight from the file, by layer
 * name and weight name (issue 18, `--arch auto`):
 *
 * - the configuration is translated ({@link translateKerasConfig}) and deserialised by tfjs-layers;
 * - for each leaf layer (nested models' layers included) the file's weights of the layer of the same
 *   name are matched to the tfjs weights by their short names where the file has names (`.h5`:
 *   `kernel`, `bias`, `gamma`, …; Keras 3's DepthwiseConv2D `kernel` is tfjs' `depthwise_kernel`) or
 *   by Keras' variable order where it has none (`.keras`: `vars/0, 1, …`, the same order as tfjs'
 *   trainable-then-non-trainable weights for every built-in layer), every shape checked;
 * - a layer whose weights are missing, surplus or of another shape, and file weights for layers the
 *   configuration does not have, are errors naming the layer and its class.
 */
import * as tf from '@tensorflow/tfjs';
import { KerasModelFile, NamedSourceTensor } from './kerasModelFile';
import { memoryTensor } from './sourceNet';
import { TranslatedConfig, UnsupportedLayerError, translateKerasConfig } from './kerasConfigToTfjs';

/** One weight set from the file. */
export interface AssignedWeight {
  readonly layer: string;
  readonly className: string;
  /** tfjs name, e.g. `conv1_conv/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Where the values came from (dataset path, or `config` for values stated in the configuration). */
  readonly from: string;
}

/** A built and filled model; the caller disposes `model`. */
export interface BuiltKerasModel {
  readonly model: tf.LayersModel;
  readonly translated: TranslatedConfig;
  readonly assigned: readonly AssignedWeight[];
}

/** Short-name aliases: Keras name → tfjs name, per Keras class. */
const NAME_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  DepthwiseConv2D: { kernel: 'depthwise_kernel' },
  Normalization: { mean: 'moving_mean', variance: 'moving_variance' },
};

/**
 * Builds and fills the tfjs model of `file`.
 *
 * @throws UnsupportedLayerError for a layer tfjs cannot build; Error for a configuration/weights mismatch.
 */
export async function buildKerasModel(file: KerasModelFile, fileName: string): Promise<BuiltKerasModel> {
  const translated = translateKerasConfig(file.config);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: translated.topology as unknown as tf.io.ModelJSON['modelTopology'] });
  } catch (error) {
    throw new UnsupportedLayerError(`${fileName}: tfjs-layers ${tf.version_layers} cannot build the model '${String(file.config.config.name)}': ${(error as Error).message}`);
  }
  try {
    const assigned = fillWeights(model, file, translated, fileName);
    return { model, translated, assigned };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? leafLayers(layer) : [layer]));
}

function fillWeights(model: tf.LayersModel, file: KerasModelFile, translated: TranslatedConfig, fileName: string): AssignedWeight[] {
  const assigned: AssignedWeight[] = [];
  const used = new Set<string>();
  for (const layer of leafLayers(model)) {
    const kerasClass = translated.classes.get(layer.name) ?? layer.getClassName();
    const what = `${fileName}: layer '${layer.name}' (${kerasClass})`;
    const targets = layer.weights;
    const fromConfig = translated.configWeights.get(layer.name);
    let sources: readonly NamedSourceTensor[] = file.weights.get(layer.name) ?? [];
    if (fromConfig !== undefined) sources = fromConfig.map((data, i) => ({ ...memoryTensor([data.length], Float32Array.from(data)), name: ['mean', 'variance'][i], path: 'config' }));
    if (sources.length > 0) used.add(layer.name);
    if (targets.length === 0) {
      if (sources.length > 0) throw new Error(`${what}: the file holds ${sources.length} weights for it but the configuration gives it none`);
      continue;
    }
    if (translated.normalizations.has(layer.name)) sources = normalizationSources(sources, what);
    const matched = matchWeights(targets, sources, kerasClass, what);
    const values = matched.map((source, i) => {
      const target = targets[i];
      const shape = target.shape as number[];
      if (!sameShape(source.shape, shape, translated.normalizations.has(layer.name))) {
        throw new Error(`${what}: weight '${target.originalName}' has shape [${target.shape.join(', ')}] in the configuration but [${source.shape.join(', ')}] in the file (${source.path})`);
      }
      assigned.push({ layer: layer.name, className: kerasClass, name: target.originalName, shape: shape.slice(), from: source.path });
      return tf.tensor(source.values(), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  const surplus = [...file.weights.keys()].filter((name) => !used.has(name));
  if (surplus.length > 0) {
    throw new Error(`${fileName}: the file holds weights for layers the configuration does not have: ${surplus.slice(0, 10).join(', ')}${surplus.length > 10 ? ', …' : ''}`);
  }
  return assigned;
}

/** Normalization's file weights are mean, variance, count: the count is not a weight of the BatchNormalization. */
function normalizationSources(sources: readonly NamedSourceTensor[], what: string): NamedSourceTensor[] {
  const named = sources.every((s) => s.name !== undefined);
  const kept = named ? sources.filter((s) => s.name !== 'count') : sources.slice(0, 2);
  if (kept.length !== 2) throw new Error(`${what}: expected mean and variance in the file, found ${sources.length} weights`);
  return kept.map((s, i) => ({ ...s, name: named ? s.name : ['mean', 'variance'][i] }));
}

function shortName(originalName: string): string {
  const parts = originalName.split('/');
  return parts[parts.length - 1].replace(/:\d+$/, '');
}

function matchWeights(targets: readonly tf.LayerVariable[], sources: readonly NamedSourceTensor[], kerasClass: string, what: string): NamedSourceTensor[] {
  const wanted = targets.map((t) => shortName(t.originalName));
  if (sources.length !== targets.length) {
    throw new Error(`${what}: the configuration gives it ${targets.length} weights (${wanted.join(', ')}) but the file holds ${sources.length}${sources.length > 0 ? ` (${sources.map((s) => s.name ?? s.path).join(', ')})` : ''}`);
  }
  if (sources.some((s) => s.name === undefined)) return sources.slice();
  const aliases = NAME_ALIASES[kerasClass] ?? {};
  const byName = new Map(sources.map((s) => [aliases[s.name as string] ?? (s.name as string), s]));
  return wanted.map((name) => {
    const source = byName.get(name);
    if (source === undefined) {
      throw new Error(`${what}: no weight '${name}' in the file (it holds ${sources.map((s) => s.name).join(', ')})`);
    }
    return source;
  });
}

/** Equal shapes; a Normalization's mean/variance may be stored broadcastable (1, 1, 1, C) or as a scalar. */
function sameShape(source: readonly number[], target: readonly number[], broadcast: boolean): boolean {
  if (source.length === target.length && source.every((d, i) => d === target[i])) return true;
  if (!broadcast) return false;
  const count = source.reduce((a, b) => a * b, 1);
  return count === target.reduce((a, b) => a * b, 1);
}
