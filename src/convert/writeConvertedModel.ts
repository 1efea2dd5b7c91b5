/**
 * Writes a converted model as a folder in tfjs layers format — `model.json` (topology and weight
 * manifest) and `weights.bin` (float32 values), the file names of the shipped models — plus
 * `manifest.json` with the SHA-256 of both files.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConvertedManifest, ConvertedManifestInput, makeConvertedManifest, sha256Hex } from './manifest';

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

/** Collects a model's artifacts with `model.save`, without touching the file system. */
async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === undefined) throw new Error('model.save produced no artifacts');
  return saved;
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
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
  const artifacts = await modelArtifacts(model);
  const weights = weightBytes(artifacts.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'wsol-lab convert',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  const jsonBytes = new Uint8Array(Buffer.from(JSON.stringify(modelJson), 'utf8'));
  fs.mkdirSync(dir, { recursive: true });
  const files: WrittenFile[] = [];
  for (const [name, bytes] of [
    [MODEL_JSON, jsonBytes],
    [WEIGHTS_BIN, weights],
  ] as const) {
    fs.writeFileSync(path.join(dir, name), bytes);
    files.push({ path: name, bytes: bytes.length, sha256: sha256Hex(bytes) });
  }
  const manifest = makeConvertedManifest({
    ...manifestInput,
    files: Object.fromEntries(files.map((f) => [f.path, f.sha256])),
  });
  fs.writeFileSync(path.join(dir, MANIFEST_JSON), JSON.stringify(manifest, null, 1) + '\n');
  return { manifest, files };
}

/**
 * Loads a folder written by {@link writeConvertedModel}, refusing any file whose SHA-256 differs from
 * the manifest's.
 *
 * @throws Error naming the file that is missing or does not match.
 */
export async function loadConvertedModel(dir: string): Promise<{ model: tf.LayersModel; manifest: ConvertedManifest }> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_JSON), 'utf8')) as ConvertedManifest;
  const read = (name: string): Uint8Array => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, name)));
    const expected = manifest.files[name];
    const actual = sha256Hex(bytes);
    if (expected !== actual) {
      throw new Error(`${path.join(dir, name)}: SHA-256 ${actual} does not match the manifest's ${expected ?? '(not listed)'}`);
    }
    return bytes;
  };
  const json = JSON.parse(Buffer.from(read(MODEL_JSON)).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => read(p)));
  const data = tf.io.concatenateArrayBuffers(shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
  return { model, manifest };
}
