/**
 * `load()` of any tfjs layers model (issue 18): a folder or a `model.json` path written by this
 * converter or by tensorflowjs_converter, or an http(s) URL of one.
 *
 * - With a `manifest.json` beside `model.json` (the shipped models, `npm run convert`), every file is
 *   checked against the manifest's SHA-256 and the manifest gives input size, preprocessing, classes.
 * - Without one (tensorflowjs_converter's output), the caller gives the preprocessing
 *   (`options.preprocessing`); the input size is the model's own (or `options.inputSize`), the classes
 *   `options.classes`, ImageNet's for 1,000 outputs, or `class i`.
 * - A `model.json` whose topology is a Keras 3 configuration (tensorflowjs_converter run on a Keras 3
 *   model writes one, which tfjs-layers cannot read) is translated first ({@link translateKerasConfig});
 *   weights are then matched by their names as usual.
 * - A graph model (`format: graph-model`) has no layers, so the localization methods cannot look
 *   inside it: refused with that reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { defaultLayerName } from '../model/graph';
import { LoadOptions, LoadedModel, WeightsManifest, makePreprocess, resolveModelFolder, sha256 } from '../weights';
import { classNamesFor } from './imagenetClasses';
import { KerasObjectConfig } from './kerasModelFile';
import { translateKerasConfig } from './kerasConfigToTfjs';

function isUrl(name: string): boolean {
  return /^https?:\/\//i.test(name);
}

/**
 * True when {@link load} hands `name` to {@link loadModelLocation}: an http(s) URL, a `.json` path, or
 * a model folder without `manifest.json`; a shipped name or a folder with a manifest is read by `load`
 * itself.
 */
export function loadsAsLocation(name: string, options: LoadOptions = {}): boolean {
  if (typeof name !== 'string') return false;
  if (isUrl(name) || name.endsWith('.json')) return true;
  try {
    return !fs.existsSync(path.join(resolveModelFolder(name, options), 'manifest.json'));
  } catch {
    return false; // load() reports the missing folder
  }
}

/** Reads one file of a model location. */
type FileReader = (file: string) => Promise<Uint8Array | undefined>;

interface ModelJson {
  modelTopology?: Record<string, unknown>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/**
 * Loads the tfjs layers model at `location` (folder, `…/model.json`, or http(s) URL of either).
 *
 * @throws Error naming the file that is missing, unreadable or does not match the manifest, a graph
 *   model, or a folder without manifest when no `options.preprocessing` is given.
 */
export async function loadModelLocation(location: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const url = isUrl(location);
  const jsonName = location.endsWith('.json') ? (url ? location.split('/').pop()! : path.basename(location)) : 'model.json';
  const given = location.endsWith('.json') ? location.slice(0, location.length - jsonName.length) : location.replace(/\/*$/, '/');
  // A local path is resolved as load() resolves folder paths: from options.baseDir (the working directory).
  const base = url ? given : path.resolve(options.baseDir ?? process.cwd(), given || '.');
  const read: FileReader = url ? (file) => fetchFile(base + file) : (file) => readLocalFile(base, file);
  const where = (file: string): string => (url ? base + file : path.join(base, file));

  const manifestBytes = await read('manifest.json');
  const manifest = manifestBytes === undefined ? undefined : parseManifest(manifestBytes, where('manifest.json'));
  const check = (file: string, bytes: Uint8Array): void => {
    if (manifest === undefined) return;
    const expected = manifest.files[file];
    if (expected === undefined) throw new Error(`${where(file)}: not listed in manifest.json, refusing to load it`);
    const actual = sha256(bytes);
    if (actual !== expected) throw new Error(`${where(file)}: SHA-256 mismatch (manifest ${expected}, file ${actual}); refusing to load a modified file`);
  };

  const jsonBytes = await read(jsonName);
  if (jsonBytes === undefined) throw new Error(`${where(jsonName)}: file not found (expected a tfjs layers model.json)`);
  check(jsonName, jsonBytes);
  const json = parseModelJson(jsonBytes, where(jsonName));
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      if (!url && path.relative(base, path.resolve(base, p)).startsWith('..')) throw new Error(`${p}: path leaves the model folder ${base}`);
      const bytes = await read(p);
      if (bytes === undefined) throw new Error(`${where(p)}: weight shard not found (listed in ${jsonName})`);
      check(p, bytes);
      shards.push(bytes);
    }
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: topologyForTfjs(json.modelTopology, where(jsonName)),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs,
    weightData: tf.io.concatenateArrayBuffers(shards.map((b) => b.slice().buffer as ArrayBuffer)),
  };
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new Error(`${where(jsonName)}: tfjs-layers could not build the model: ${(error as Error).message}`);
  }
  try {
    const used = manifest ?? manifestWithoutFile(model, location, options);
    return { model, manifest: used, preprocess: makePreprocess(used) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function fetchFile(url: string): Promise<Uint8Array | undefined> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${url}: the network is not reachable (${(error as Error).message})`);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readLocalFile(dir: string, file: string): Promise<Uint8Array | undefined> {
  const full = path.join(dir, file);
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such model folder`);
  return fs.existsSync(full) ? new Uint8Array(fs.readFileSync(full)) : undefined;
}

function parseManifest(bytes: Uint8Array, where: string): WeightsManifest {
  const manifest = parseJsonFile(bytes, where) as WeightsManifest;
  for (const key of ['classes', 'inputSize', 'preprocessing', 'files'] as const) {
    if (manifest[key] === undefined) throw new Error(`${where}: the field '${key}' is missing`);
  }
  return manifest;
}

function parseJsonFile(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

function parseModelJson(bytes: Uint8Array, where: string): ModelJson {
  const json = parseJsonFile(bytes, where) as ModelJson;
  if (json.format === 'graph-model') {
    throw new Error(`${where}: a tfjs graph model has no layers for the localization methods to look inside; convert the Keras model itself (npm run convert -- model.keras --out …) or export it with tensorflowjs_converter --output_format tfjs_layers_model`);
  }
  if (json.modelTopology === undefined) throw new Error(`${where}: no modelTopology (not a tfjs layers model.json)`);
  return json;
}

/** A Keras 3 configuration (as tensorflowjs_converter writes for Keras 3 models) translated; a Keras 2 one as is. */
function topologyForTfjs(topology: Record<string, unknown> | undefined, where: string): object {
  const config = (topology?.model_config ?? topology) as KerasObjectConfig;
  const text = JSON.stringify(config);
  const keras3 = text.includes('"__keras_tensor__"') || text.includes('"registered_name"') || text.includes('"batch_shape"');
  if (!keras3) return topology as object;
  try {
    return translateKerasConfig(config).topology;
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

function manifestWithoutFile(model: tf.LayersModel, location: string, options: LoadOptions): WeightsManifest {
  if (options.preprocessing === undefined) {
    throw new Error(`${location}: no manifest.json beside model.json, so its input convention is unknown; pass load(path, { preprocessing: { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale, offset } })`);
  }
  const [, h, w] = model.inputs[0].shape;
  const side = options.inputSize;
  const inputSize: [number, number] = h != null && w != null ? [h, w] : [side ?? 0, side ?? 0];
  if (!(inputSize[0] > 0)) throw new Error(`${location}: the model accepts any input size; pass load(path, { inputSize })`);
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 0;
  const classes = options.classes?.slice() ?? classNamesFor(outputs);
  if (classes.length !== outputs) throw new Error(`${location}: options.classes has ${classes.length} names but the model has ${outputs} outputs`);
  let lastConv = '';
  try {
    lastConv = defaultLayerName(model);
  } catch {
    lastConv = '';
  }
  return {
    name: path.basename(location.replace(/\/model\.json$|\/+$/, '')),
    description: `tfjs layers model loaded from ${location} (no manifest)`,
    architecture: `tfjs-layers:${model.name}`,
    format: 'tfjs-layers',
    classes,
    inputSize,
    preprocessing: options.preprocessing,
    layers: { lastConv, logits: model.outputs[0].sourceLayer.name },
    training: {},
    metrics: {},
    files: {},
  };
}
