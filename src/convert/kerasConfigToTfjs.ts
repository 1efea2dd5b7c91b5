/**
 * Translates a Keras model configuration (Keras 2 or Keras 3, as `model.save` writes it) into the
 * Keras 2 form that tfjs-layers deserialises (`tf.models.modelFromJSON`), for `--arch auto` (issue 18).
 *
 * Keras 3 differs from Keras 2 (which tfjs-layers reads as is) in: `module` / `registered_name` /
 * `build_config` beside every object; dtypes as `DTypePolicy` objects; `InputLayer.batch_shape` for
 * `batch_input_shape`; call nodes as `{ args, kwargs }` holding `__keras_tensor__` objects with their
 * `keras_history` = (layer, node, tensor) instead of `[[layer, node, tensor, kwargs], …]`; a single
 * model input/output written as one triple instead of a list of triples; activation `silu` for
 * `swish`. Inference only: initialisers become `Zeros` (every weight is then set from the file),
 * regularisers and constraints are dropped.
 *
 * Keras layers tfjs-layers lacks but can express exactly are rewritten: `Normalization` becomes a
 * `BatchNormalization` without centre or scale, whose moving mean and variance are Normalization's
 * mean and variance and whose epsilon is 1e-14, so that √(var + ε) equals Keras' max(√var, 1e-7)
 * wherever var ≫ 1e-14 and at var = 0. Anything else tfjs cannot build — an unknown class, an option
 * tfjs would silently ignore (`groups` > 1, `keepdims`, LoRA, renormalisation), a non-float32 dtype —
 * is an error naming the layer and its class.
 */
import * as tf from '@tensorflow/tfjs';
import { KerasObjectConfig } from './kerasModelFile';

/** A Keras 2 style layer entry as tfjs-layers reads it. */
interface TfjsLayerEntry {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** The translation of a model configuration. */
export interface TranslatedConfig {
  /** `{ class_name, config }` for `tf.models.modelFromJSON({ modelTopology })`. */
  readonly topology: { class_name: string; config: Record<string, unknown> };
  /** Layers that were Keras `Normalization` (their file weights are mean, variance, count). */
  readonly normalizations: ReadonlySet<string>;
  /** Weight values given in the configuration instead of the file (`Normalization(mean=…, variance=…)`). */
  readonly configWeights: ReadonlyMap<string, readonly number[][]>;
  /** Keras layer class of every layer, by name (for messages). */
  readonly classes: ReadonlyMap<string, string>;
}

/** A configuration tfjs-layers cannot build, naming the layer and its class. */
export class UnsupportedLayerError extends Error {}

const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);

/** Options tfjs-layers would ignore silently: only these values are accepted, then the key is dropped. */
const MUST_BE: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>> = {
  Conv2D: { groups: [1] },
  Conv1D: { groups: [1] },
  Conv3D: { groups: [1] },
  Dense: { lora_rank: [null], lora_alpha: [null] },
  GlobalAveragePooling2D: { keepdims: [false] },
  GlobalMaxPooling2D: { keepdims: [false] },
  GlobalAveragePooling1D: { keepdims: [false] },
  GlobalMaxPooling1D: { keepdims: [false] },
  BatchNormalization: { renorm: [false], synchronized: [false, true] },
  InputLayer: { sparse: [false, null], ragged: [false, null], optional: [false, null] },
  ReLU: { threshold: [0, null] },
};

/** Keras activation names tfjs-layers spells differently. */
const ACTIVATION_ALIASES: Readonly<Record<string, string>> = { silu: 'swish', hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax' };

/**
 * Translates a Keras 2 or 3 model configuration into one tfjs-layers deserialises.
 *
 * @throws UnsupportedLayerError naming the layer and its class for anything tfjs cannot build.
 */
export function translateKerasConfig(model: KerasObjectConfig): TranslatedConfig {
  if (!MODEL_CLASSES.has(model.class_name)) {
    throw new UnsupportedLayerError(`the file holds a ${model.class_name}, not a Keras model (Functional, Model or Sequential)`);
  }
  const state: State = { normalizations: new Set(), configWeights: new Map(), classes: new Map() };
  const topology = translateModel(model.class_name, model.config, state);
  return { topology, ...state };
}

interface State {
  normalizations: Set<string>;
  configWeights: Map<string, number[][]>;
  classes: Map<string, string>;
}

function translateModel(className: string, config: Record<string, unknown>, state: State): { class_name: string; config: Record<string, unknown> } {
  const layers = config.layers;
  if (!Array.isArray(layers)) throw new UnsupportedLayerError(`model '${String(config.name)}' (${className}): its configuration has no layer list`);
  if (className === 'Sequential') return { class_name: 'Sequential', config: translateSequential(config, layers, state) };
  // Keras 2 and tfjs give a model a node of its own when it is built, so its first call is node 1;
  // Keras 3 counts calls from 0.
  const keras3 = layers.some((e) => Array.isArray((e as KerasObjectConfig).inbound_nodes) && ((e as KerasObjectConfig).inbound_nodes as unknown[]).some((n) => !Array.isArray(n)));
  const models = new Set(layers.filter((e) => MODEL_CLASSES.has((e as KerasObjectConfig).class_name)).map((e) => String((e as KerasObjectConfig).config?.name)));
  return {
    class_name: 'Functional',
    config: {
      name: config.name,
      trainable: config.trainable ?? true,
      layers: layers.map((entry) => translateEntry(entry as KerasObjectConfig, state, false, models)),
      input_layers: tripleList(config.input_layers),
      output_layers: keras3 ? shiftModelNodes(tripleList(config.output_layers), models) : tripleList(config.output_layers),
    },
  };
}

/** Sequential: an InputLayer entry becomes the `batch_input_shape` of the first real layer. */
function translateSequential(config: Record<string, unknown>, layers: unknown[], state: State): Record<string, unknown> {
  const entries = layers.map((entry) => translateEntry(entry as KerasObjectConfig, state, true, new Set()));
  const first = entries[0];
  if (first !== undefined && first.class_name === 'InputLayer') {
    entries.shift();
    if (entries[0] !== undefined) entries[0].config.batch_input_shape = first.config.batch_input_shape;
  } else if (first !== undefined && first.config.batch_input_shape === undefined && Array.isArray(config.build_input_shape)) {
    first.config.batch_input_shape = config.build_input_shape;
  }
  return { name: config.name, layers: entries.map(({ class_name, config: c }) => ({ class_name, config: c })) };
}

function shiftModelNodes(triples: unknown[], models: ReadonlySet<string>): unknown[] {
  return triples.map((t) => {
    const [from, node, tensor] = t as [string, number, number];
    return [from, models.has(from) ? node + 1 : node, tensor];
  });
}

/** `['x', 0, 0]` or `[['x', 0, 0], …]` → `[['x', 0, 0], …]`. */
function tripleList(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  return typeof value[0] === 'string' ? [value] : value;
}

function translateEntry(entry: KerasObjectConfig, state: State, sequential: boolean, models: ReadonlySet<string>): TfjsLayerEntry {
  const className = entry.class_name;
  const name = String(entry.config?.name ?? entry.name);
  const inbound = sequential ? [] : translateNodes(entry.inbound_nodes, name, className, models);
  if (MODEL_CLASSES.has(className)) {
    state.classes.set(name, className);
    const nested = translateModel(className, entry.config, state);
    return { class_name: nested.class_name, name, config: nested.config, inbound_nodes: inbound };
  }
  const { class_name, config } = translateLayer(className, entry.config, name, state);
  state.classes.set(name, className);
  return { class_name, name, config, inbound_nodes: inbound };
}

/** Keras 3 `{ args, kwargs }` nodes → Keras 2 `[[layer, node, tensor, kwargs], …]`; Keras 2 nodes are kept. */
function translateNodes(nodes: unknown, layer: string, className: string, models: ReadonlySet<string>): unknown[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    if (Array.isArray(node)) return node;
    const { args, kwargs } = node as { args?: unknown[]; kwargs?: Record<string, unknown> };
    const inputs: unknown[][] = [];
    collectTensors(args ?? [], inputs, layer, className, true);
    const callKwargs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(kwargs ?? {})) {
      if (value === null || value === undefined) continue;
      const nested: unknown[][] = [];
      collectTensors(value, nested, layer, className, false);
      if (nested.length > 0) throw new UnsupportedLayerError(`layer '${layer}' (${className}) is called with a tensor as keyword argument '${key}', which tfjs-layers cannot express`);
      callKwargs[key] = value;
    }
    return inputs.map(([from, node, tensor]) => [from, models.has(String(from)) ? Number(node) + 1 : node, tensor, callKwargs]);
  });
}

function collectTensors(value: unknown, into: unknown[][], layer: string, className: string, positional: boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, layer, className, positional);
    return;
  }
  const tensor = value as { class_name?: string; config?: { keras_history?: unknown[] } } | null;
  if (tensor !== null && typeof tensor === 'object' && tensor.class_name === '__keras_tensor__') {
    const history = tensor.config?.keras_history;
    if (!Array.isArray(history) || history.length < 3) throw new UnsupportedLayerError(`layer '${layer}' (${className}): an input tensor without keras_history`);
    into.push(history.slice(0, 3));
  } else if (positional && value !== null && value !== undefined) {
    throw new UnsupportedLayerError(`layer '${layer}' (${className}) is called with the non-tensor argument ${JSON.stringify(value)}, which tfjs-layers cannot express`);
  }
}

function registeredClass(className: string): boolean {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
  return map[className] !== undefined;
}

function translateLayer(className: string, source: Record<string, unknown>, name: string, state: State): { class_name: string; config: Record<string, unknown> } {
  const what = `layer '${name}' (${className})`;
  const config = cleanConfig(source, what);
  if (className === 'Normalization') return { class_name: 'BatchNormalization', config: normalizationAsBatchNorm(config, name, what, state) };
  if (!registeredClass(className)) {
    throw new UnsupportedLayerError(`${what}: tfjs-layers ${tf.version_layers} has no layer class '${className}', so this model cannot be converted`);
  }
  for (const [key, allowed] of Object.entries(MUST_BE[className] ?? {})) {
    if (key in config && !allowed.some((v) => v === config[key])) {
      throw new UnsupportedLayerError(`${what}: ${key} = ${JSON.stringify(config[key])} is not supported by tfjs-layers (only ${allowed.map((v) => JSON.stringify(v)).join(' or ')})`);
    }
    delete config[key];
  }
  if (className === 'InputLayer') {
    config.batch_input_shape = config.batch_shape ?? config.batch_input_shape;
    delete config.batch_shape;
  }
  if (className === 'Rescaling' && (typeof config.scale !== 'number' || typeof (config.offset ?? 0) !== 'number')) {
    throw new UnsupportedLayerError(`${what}: per-channel scale/offset ${JSON.stringify([config.scale, config.offset])}; tfjs-layers' Rescaling takes one number each`);
  }
  if (typeof config.activation === 'string') config.activation = checkedActivation(config.activation, what);
  return { class_name: className, config };
}

/** Drops what inference does not need and turns Keras 3 objects into what tfjs reads. */
function cleanConfig(source: Record<string, unknown>, what: string): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.endsWith('_initializer')) config[key] = { class_name: 'Zeros', config: {} };
    else if (key.endsWith('_regularizer') || key.endsWith('_constraint')) config[key] = null;
    else if (key === 'dtype') config.dtype = dtypeName(value, what);
    else config[key] = value;
  }
  return config;
}

function dtypeName(value: unknown, what: string): string {
  const name = typeof value === 'string' ? value : (value as { config?: { name?: string } } | null)?.config?.name ?? 'float32';
  if (name !== 'float32') throw new UnsupportedLayerError(`${what}: dtype policy '${name}'; only float32 models convert (tfjs runs float32)`);
  return name;
}

const activationChecked = new Map<string, boolean>();

function checkedActivation(keras: string, what: string): string {
  const name = ACTIVATION_ALIASES[keras] ?? keras;
  if (!activationChecked.has(name)) {
    let ok = true;
    try {
      tf.layers.activation({ activation: name as 'relu' });
    } catch {
      ok = false;
    }
    activationChecked.set(name, ok);
  }
  if (!activationChecked.get(name)) throw new UnsupportedLayerError(`${what}: activation '${keras}' is not one tfjs-layers ${tf.version_layers} knows`);
  return name;
}

/** Keras Normalization (x − mean) / max(√var, 1e-7) as BatchNormalization(center = scale = false, ε = 1e-14). */
function normalizationAsBatchNorm(config: Record<string, unknown>, name: string, what: string, state: State): Record<string, unknown> {
  if (config.invert === true) throw new UnsupportedLayerError(`${what}: invert = true (denormalisation) has no tfjs-layers equivalent`);
  const axis = Array.isArray(config.axis) ? (config.axis.length === 1 ? config.axis[0] : undefined) : config.axis;
  if (typeof axis !== 'number') throw new UnsupportedLayerError(`${what}: axis ${JSON.stringify(config.axis)}; only one axis converts`);
  state.normalizations.add(name);
  if (config.mean != null || config.variance != null) {
    const flat = (v: unknown): number[] => (Array.isArray(v) ? (v.flat(8) as number[]) : [Number(v)]);
    state.configWeights.set(name, [flat(config.mean), flat(config.variance)]);
  }
  return {
    name,
    trainable: false,
    dtype: 'float32',
    axis,
    epsilon: 1e-14,
    center: false,
    scale: false,
    moving_mean_initializer: { class_name: 'Zeros', config: {} },
    moving_variance_initializer: { class_name: 'Ones', config: {} },
  };
}
