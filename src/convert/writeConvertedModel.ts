/**
 * Writes a converted model as a folder in tfjs layers format — `model.json` and `weights.bin`, through
 * the shipped models' saver (src/weights.ts `fsSaveHandler`) — plus `manifest.json` with the SHA-256
 * of both files, and loads such a folder back with every hash checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fsSaveHandler, readModelArtifacts, sha256 } from '../weights';
import { ConvertedManifest, ConvertedManifestInput, makeConvertedManifest } from './manifest';
import { applyChannelPreprocessing } from './preprocessing';

/** Names of the files of a converted model folder. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const MANIFEST_JSON = 'manifest.json';

/** A file written by {@link writeConvertedModel}. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Saves `model` into `dir` (created if needed) with its manifest, and returns the manifest and the
 * files written. `manifest.files` is filled here.
 */
export async function writeConvertedModel(
  model: tf.LayersModel,
  dir: string,
  manifestInput: Omit<ConvertedManifestInput, 'files'>,
): Promise<{ manifest: ConvertedManifest; files: WrittenFile[] }> {
  await model.save(fsSaveHandler(dir, WEIGHTS_BIN));
  const files = [MODEL_JSON, WEIGHTS_BIN].map((name): WrittenFile => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, name)));
    return { path: name, bytes: bytes.length, sha256: sha256(bytes) };
  });
  const manifest = makeConvertedManifest({
    ...manifestInput,
    files: Object.fromEntries(files.map((f) => [f.path, f.sha256])),
  });
  fs.writeFileSync(path.join(dir, MANIFEST_JSON), JSON.stringify(manifest, null, 1) + '\n');
  return { manifest, files };
}

/** A converted model loaded by {@link loadConvertedModel}. */
export interface LoadedConvertedModel {
  readonly model: tf.LayersModel;
  readonly manifest: ConvertedManifest;
  /**
   * The manifest's preprocessing ({@link applyChannelPreprocessing}): RGB `[h, w, 3]` or
   * `[n, h, w, 3]` in [0, 255] → the model's input (BGR minus the mean pixel for VGG16). The caller
   * disposes the result.
   */
  preprocess(rgb: tf.Tensor3D | tf.Tensor4D): tf.Tensor4D;
}

/**
 * Loads a folder written by {@link writeConvertedModel}, refusing any file whose SHA-256 differs from
 * the manifest's. The caller disposes the model.
 *
 * @example
 * ```ts
 * const { model, manifest, preprocess } = await loadConvertedModel('weights/vgg16-gap-caffe');
 * const probs = tf.tidy(() => model.predict(preprocess(rgbImage)) as tf.Tensor2D);
 * ```
 * @throws Error naming the file that is missing or does not match.
 */
export async function loadConvertedModel(dir: string): Promise<LoadedConvertedModel> {
  const manifestFile = path.join(dir, MANIFEST_JSON);
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile}: no manifest.json (is this a converted model folder?)`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ConvertedManifest;
  const artifacts = readModelArtifacts(dir, (file, bytes) => {
    const expected = manifest.files[file];
    const actual = sha256(bytes);
    if (expected !== actual) {
      throw new Error(`${path.join(dir, file)}: SHA-256 ${actual} does not match the manifest's ${expected ?? '(not listed)'}`);
    }
  });
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const preprocess = (rgb: tf.Tensor3D | tf.Tensor4D): tf.Tensor4D =>
    applyChannelPreprocessing(manifest.preprocessing, rgb, manifest.inputSize[0]);
  return { model, manifest, preprocess };
}
