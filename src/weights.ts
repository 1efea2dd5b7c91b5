/**
 * The models shipped in `weights/<name>/`, loaded with no network.
 *
 * Each folder holds a tfjs layers model (`model.json` plus binary weight shards) and a
 * `manifest.json` recording its classes, input size, preprocessing, training and test metrics,
 * and the SHA-256 of every file. {@link load} reads the files with `fs` (not `file://` through
 * tfjs-node, so it works on every backend), checks each hash against the manifest and refuses a
 * file that does not match, then builds the model from memory with `tf.io.fromMemory`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fileInFolder, loadModelFolder } from './model-folder';
import { ModelCalibration } from './types';

/** Names of the models shipped in `weights/`. */
export const SHIPPED_MODELS = ['cam-default', 'gradcam-default'] as const;

/** Name of a shipped model. */
export type ShippedModelName = (typeof SHIPPED_MODELS)[number];

/**
 * How raw RGB pixels become the model's input: resize (bilinear, corners not aligned) to
 * `inputSize`, then `x = pixel · scale + offset` per channel, NHWC, float32.
 */
export interface Preprocessing {
  /** Channel order the first layer reads: 'BGR' for Caffe-trained weights (see src/convert). */
  readonly colorSpace: 'RGB' | 'BGR';
  readonly layout: 'NHWC';
  readonly resize: 'bilinear';
  /** One factor, or one per channel in `colorSpace` order (e.g. 1 / (255 · std) for PyTorch-style models). */
  readonly scale: number | readonly [number, number, number];
  /** Added after scaling: one number, or one per channel in `colorSpace` order (e.g. −mean BGR). */
  readonly offset: number | readonly [number, number, number];
}

/** The `manifest.json` of a shipped model. */
export interface WeightsManifest {
  readonly name: string;
  readonly description: string;
  /** Function of src/models that builds the architecture, e.g. `camDefault`. */
  readonly architecture: string;
  readonly format: 'tfjs-layers';
  /** Class names; output i of the softmax is class i. */
  readonly classes: readonly string[];
  /** `[height, width]` of the input. */
  readonly inputSize: readonly [number, number];
  readonly preprocessing: Preprocessing;
  /** Layers the localization methods need: the last convolution, and the Dense layer of the logits. */
  readonly layers: { readonly lastConv: string; readonly logits: string };
  /** What and how it was trained (data, seed, schedule, time, backend). */
  readonly training: Readonly<Record<string, unknown>>;
  /** Measured metrics, e.g. `{ test: { images, top1 }, localization: {...} }`. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** SHA-256 (hex) of each file of the folder except manifest.json. */
  readonly files: Readonly<Record<string, string>>;
  /** Post-processing tuned on val by `npm run tune:crf` (src/calibrate); absent until then. */
  readonly calibration?: ModelCalibration;
}

/** Raw RGB pixels: `height × width × 3` values in [0, 255], row-major. Benchmark samples fit (`image`). */
export type RgbPixels =
  | { readonly width: number; readonly height: number; readonly data: ArrayLike<number> }
  | { readonly width: number; readonly height: number; readonly image: ArrayLike<number> };

/** A loaded shipped model. */
export interface LoadedModel {
  readonly model: tf.LayersModel;
  readonly manifest: WeightsManifest;
  /**
   * Applies the recorded preprocessing: RGB pixels or a `[h, w, 3]` / `[n, h, w, 3]` tensor with
   * values in [0, 255] → float32 `[n, inputHeight, inputWidth, 3]`. The caller disposes the result.
   */
  preprocess(input: RgbPixels | tf.Tensor3D | tf.Tensor4D): tf.Tensor4D;
}

/** Options of {@link load}. */
export interface LoadOptions {
  /** Folder holding one sub-folder per model, where a bare name is looked up. @default the repository's `weights/` */
  readonly weightsDir?: string;
  /** Folder a relative folder path (`./my-model`, `weights/vgg16`) is resolved from. @default process.cwd() */
  readonly baseDir?: string;
  /** A folder without manifest.json (tensorflowjs_converter's output): how to prepare its input. */
  readonly preprocessing?: Preprocessing;
  /** A folder without manifest.json whose model accepts any input size: the side to resize to. */
  readonly inputSize?: number;
  /** A folder without manifest.json: class names, one per output. @default ImageNet's for 1,000 outputs */
  readonly classes?: readonly string[];
}

/** The folder `weights/` of this repository. */
export function defaultWeightsDir(): string {
  return path.resolve(__dirname, '..', 'weights');
}

/** SHA-256 of a byte buffer, as lowercase hex. */
export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The bytes as an ArrayBuffer of their own: the underlying one when they fill it (no copy), else a copy. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/**
 * A tfjs IOHandler that saves a model into `dir` as `model.json` + `weights.bin` with `fs`.
 * Works on every backend (tfjs-node's `file://` needs the native one).
 */
export function fsSaveHandler(dir: string, shardName = 'weights.bin'): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      fs.mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : joinWeightData(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [shardName], weights: artifacts.weightSpecs ?? [] }],
      };
      fs.writeFileSync(path.join(dir, shardName), Buffer.from(weights));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** Reads `dir/model.json` and its shards into model artifacts, calling `check(file, bytes)` on each file. */
export function readModelArtifacts(dir: string, check: (file: string, bytes: Uint8Array) => void = () => undefined): tf.io.ModelArtifacts {
  const jsonBytes = readFileOrThrow(dir, 'model.json');
  check('model.json', jsonBytes);
  const json = JSON.parse(Buffer.from(jsonBytes).toString('utf8')) as ModelJson;
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const bytes = readFileOrThrow(dir, p);
      check(p, bytes);
      shards.push(toArrayBuffer(bytes));
    }
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs,
    weightData: shards.length === 1 ? shards[0] : tf.io.concatenateArrayBuffers(shards),
  };
}

function readFileOrThrow(dir: string, file: string): Uint8Array {
  // A Node Buffer is a Uint8Array: no copy.
  return fs.readFileSync(fileInFolder(dir, file));
}

/** Reads and checks `manifest.json` of the model folder `dir`. */
export function readManifest(dir: string): WeightsManifest {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: no manifest.json (is this a shipped model folder?)`);
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as WeightsManifest;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const key of ['classes', 'inputSize', 'preprocessing', 'files'] as const) {
    if (manifest[key] === undefined) throw new Error(`${file}: the field '${key}' is missing`);
  }
  return manifest;
}

/**
 * Checks the SHA-256 `actual` of `file` against the hash the manifest records.
 * @throws Error naming the file, the expected and the actual hash.
 */
export function verifyFileHash(manifest: WeightsManifest, dir: string, file: string, actual: string): void {
  const expected = manifest.files[file];
  if (expected === undefined) throw new Error(`${path.join(dir, file)}: not listed in manifest.json, refusing to load it`);
  if (actual !== expected) {
    throw new Error(`${path.join(dir, file)}: SHA-256 mismatch (manifest ${expected}, file ${actual}); refusing to load a modified file`);
  }
}

/**
 * Checks `bytes` of `file` against the hash the manifest records.
 * @throws Error naming the file, the expected and the actual hash.
 */
export function verifyFile(manifest: WeightsManifest, dir: string, file: string, bytes: Uint8Array): void {
  verifyFileHash(manifest, dir, file, sha256(bytes));
}

function pixelsToTensor(input: RgbPixels): tf.Tensor4D {
  const { width, height } = input;
  const values = 'data' in input ? input.data : input.image;
  if (values.length !== width * height * 3) {
    throw new RangeError(`preprocess: expected width*height*3 = ${width * height * 3} RGB values for ${width}×${height}, got ${values.length}`);
  }
  return tf.tensor4d(Float32Array.from(values), [1, height, width, 3]);
}

/** Builds the preprocessing function of a manifest (see {@link LoadedModel.preprocess}). */
export function makePreprocess(manifest: WeightsManifest): LoadedModel['preprocess'] {
  const [h, w] = manifest.inputSize;
  const { scale, offset } = manifest.preprocessing;
  const colorSpace = manifest.preprocessing.colorSpace ?? 'RGB';
  if (colorSpace !== 'RGB' && colorSpace !== 'BGR') throw new RangeError(`manifest of '${manifest.name}': unknown colorSpace '${colorSpace}'`);
  if (typeof offset !== 'number' && (!Array.isArray(offset) || offset.length !== 3)) {
    throw new RangeError(`manifest of '${manifest.name}': offset must be a number or 3 numbers, got ${JSON.stringify(offset)}`);
  }
  return (input) =>
    tf.tidy(() => {
      let x: tf.Tensor4D;
      if (input instanceof tf.Tensor) {
        if (input.rank === 3) x = input.expandDims(0) as tf.Tensor4D;
        else if (input.rank === 4) x = input as tf.Tensor4D;
        else throw new RangeError(`preprocess: expected a [h, w, 3] or [n, h, w, 3] tensor, got shape [${input.shape}]`);
        if (x.shape[3] !== 3) throw new RangeError(`preprocess: expected 3 channels (RGB), got shape [${input.shape}]`);
        x = x.toFloat();
      } else {
        x = pixelsToTensor(input);
      }
      if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w]);
      if (colorSpace === 'BGR') x = tf.reverse(x, -1);
      return x.mul(typeof scale === 'number' ? scale : tf.tensor1d([...scale])).add(typeof offset === 'number' ? offset : tf.tensor1d([...offset])) as tf.Tensor4D;
    });
}

/**
 * The `scale` and single `offset` of an RGB manifest (the shipped models'), for code that prepares
 * raw benchmark pixels itself (`pixel · scale + offset`).
 * @throws RangeError for a BGR or per-channel manifest (a converted model): use `preprocess`.
 */
export function scalarPreprocessing(manifest: WeightsManifest): { readonly scale: number; readonly offset: number } {
  const { scale, offset, colorSpace } = manifest.preprocessing;
  if (colorSpace !== 'RGB' || typeof offset !== 'number' || typeof scale !== 'number') {
    throw new RangeError(`model '${manifest.name}' expects ${colorSpace} with per-channel offsets: prepare its inputs with preprocess()`);
  }
  return { scale, offset };
}

/** True for a `name` that is a folder path rather than the name of a folder in `weights/`. */
function isFolderPath(name: string): boolean {
  return path.isAbsolute(name) || name.startsWith('.') || name.includes('/') || name.includes(path.sep);
}

/**
 * The folder {@link load} reads for `name`: an absolute path as it is; a relative path (one with a
 * `/`, or starting with `.`) from `options.baseDir` (the working directory: in a notebook, the folder
 * the kernel was started in); a bare name in `options.weightsDir` (the repository's `weights/`).
 *
 * @throws Error saying where it looked, when that folder does not exist or is not a folder.
 */
export function resolveModelFolder(name: string, options: LoadOptions = {}): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`load: expected a model name or folder path, got ${JSON.stringify(name)}`);
  const byPath = isFolderPath(name);
  const base = byPath ? path.resolve(options.baseDir ?? process.cwd()) : path.resolve(options.weightsDir ?? defaultWeightsDir());
  const dir = path.resolve(base, name);
  if (!fs.existsSync(dir)) {
    if (byPath) throw new Error(`load: no folder ${dir} (from '${name}'${path.isAbsolute(name) ? '' : `, relative to ${base}`})`);
    throw new Error(
      `load: no model '${name}': looked for the folder ${dir} (shipped: ${SHIPPED_MODELS.join(', ')}; ` +
        `give a path such as ./my-model or /abs/folder for a model folder elsewhere)`,
    );
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`load: ${dir} is a file, not a model folder (model.json + manifest.json)`);
  return dir;
}

/**
 * Loads a model folder with no network: `name` is a shipped model (`'cam-default'`, a folder of
 * `weights/`) or the path of a model folder, absolute or relative (see {@link resolveModelFolder}).
 * Verifies the SHA-256 of `model.json` and of each weight shard against `manifest.json`, then builds
 * the model; a folder that is malformed (a topology that does not build, weights that do not fit)
 * is refused with a message naming the file, and leaves no tensor behind. `name` may also be a
 * `model.json` path, an http(s) URL of one, or a folder without manifest.json (tensorflowjs_converter's
 * output; give `options.preprocessing`): see `loadModelLocation` (src/convert/loadModelFolder.ts).
 *
 * @example
 * ```ts
 * const { model, manifest, preprocess } = await load('cam-default');
 * const probs = tf.tidy(() => model.predict(preprocess(sample)) as tf.Tensor2D);
 * const mine = await load('/data/models/vgg16');        // a converted folder (npm run convert)
 * ```
 * @throws Error naming the folder or file: missing, a hash that does not match, a file not in the
 *   manifest, a malformed model.
 */
export async function load(name: ShippedModelName | string, options: LoadOptions = {}): Promise<LoadedModel> {
  // A model.json path, an http(s) URL, or a folder without manifest.json (tensorflowjs_converter's
  // output): src/convert/loadModelFolder.ts. (Imported here: a static import would make a cycle,
  // which tslab's module loader cannot follow.)
  const { loadsAsLocation, loadModelLocation } = await import('./convert/loadModelFolder');
  if (loadsAsLocation(name, options)) return loadModelLocation(name, options);
  const dir = resolveModelFolder(name, options);
  const manifest = readManifest(dir);
  const preprocess = makePreprocess(manifest);
  const model = await loadModelFolder(dir, (file, hash) => verifyFileHash(manifest, dir, file, hash));
  return { model, manifest, preprocess };
}
