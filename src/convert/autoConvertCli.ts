/**
 * The `--arch auto` branch of `npm run convert` ({@link runConvertCli}): converts a Keras model file
 * with its own configuration ({@link convertKerasModel}), prints each layer's weights, writes the
 * folder into a staging folder beside `--out` (`replaceFolderAtomically`: nothing is left on failure,
 * a previous folder is replaced only once the new one is complete), streams the weights one tensor at
 * a time, and before moving it into place loads it back through `load()` with every hash checked,
 * requiring every weight and the output on a fixed input to be identical to the in-memory model's.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { load } from '../weights';
import { readClassNames } from '../eval/dataset';
import type { ConvertCliArgs, ConvertCliResult } from './cli';
import { AutoConvertedManifest, convertKerasModel } from './convertKerasModel';
import { WrittenFile, replaceFolderAtomically, writeLayersModelFiles } from './writeFolder';

/** Reads a `--classes` file: one class name per non-empty line. */
function readClassesFile(file: string): string[] {
  if (!fs.existsSync(file)) throw new Error(`--classes ${file}: no such file`);
  return readClassNames(file);
}

/** Runs `--arch auto` on the file's bytes; see {@link runConvertCli}. */
export async function runAutoConvert(args: ConvertCliArgs, bytes: Uint8Array, log: (line: string) => void, started: number): Promise<ConvertCliResult> {
  const conversion = await convertKerasModel(bytes, {
    fileName: path.basename(args.file),
    name: args.name,
    preprocess: args.preprocess,
    classes: args.classesFile === undefined ? undefined : readClassesFile(args.classesFile),
    inputSize: args.inputSize,
  });
  const { model, manifest: partial, file, assigned } = conversion;
  try {
    log(`read ${args.file}: Keras ${file.kerasVersion ?? '(version not recorded)'} ${file.container === 'keras' ? '.keras archive' : '.h5 model'}, ${bytes.length} bytes, sha256 ${partial.training.source.sha256}`);
    let previous = '';
    for (const w of assigned) {
      const head = w.layer === previous ? ''.padEnd(28) : `  ${w.layer} (${w.className})`.padEnd(28);
      previous = w.layer;
      log(`${head} ${w.name.split('/').pop()} [${w.shape.join(', ')}] ← ${w.from}`);
    }
    const { manifest, files, verifiedWeights } = await replaceFolderAtomically(args.out, { force: args.force }, async (staging) => {
      const written = writeAuto(model, staging, partial);
      return { ...written, verifiedWeights: await verifyReloaded(model, staging, written.manifest.inputSize) };
    });
    const p = manifest.preprocessing;
    log(`${manifest.architecture}: ${model.countParams()} parameters, input ${manifest.inputSize.join('×')}×3 (${p.source}), ${manifest.classes.length} classes${manifest.classes.length === 1000 && args.classesFile === undefined ? ' (ImageNet names)' : ''}, default layer ${manifest.layers.lastConv || '(none)'}`);
    for (const f of files) log(`wrote ${path.join(args.out, f.path)}  ${f.bytes} bytes  sha256 ${f.sha256}`);
    log(`wrote ${path.join(args.out, 'manifest.json')}; reloaded with hashes checked, all ${verifiedWeights} weights and the output identical; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { args, manifest, files, verifiedWeights };
  } finally {
    model.dispose();
  }
}

/** Writes model.json + weights.bin (streamed) and manifest.json into `dir`. */
function writeAuto(model: tf.LayersModel, dir: string, partial: Omit<AutoConvertedManifest, 'files'>): { manifest: AutoConvertedManifest; files: WrittenFile[] } {
  const weights = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], values: () => w.read().dataSync() as Float32Array }));
  const { files } = writeLayersModelFiles(dir, model.toJSON(undefined, false) as object, weights);
  const manifest: AutoConvertedManifest = { ...partial, files: Object.fromEntries(files.map((f) => [f.path, f.sha256])) };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return { manifest, files };
}

/**
 * Loads `dir` back through `load()` (hashes checked) and requires each weight and the output on a
 * fixed input to equal the in-memory model's exactly. Returns the number of weights compared.
 */
async function verifyReloaded(model: tf.LayersModel, dir: string, inputSize: readonly [number, number]): Promise<number> {
  const { model: reloaded } = await load(path.resolve(dir));
  try {
    const same = (a: tf.Tensor, b: tf.Tensor): boolean => {
      const x = a.dataSync();
      const y = b.dataSync();
      return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    };
    const weights = model.weights;
    if (reloaded.weights.length !== weights.length || weights.some((w, i) => !same(w.read(), reloaded.weights[i].read()))) {
      throw new Error(`the written folder ${dir} does not reload every weight as converted`);
    }
    const identical = tf.tidy(() => {
      const x = tf.randomUniform([1, inputSize[0], inputSize[1], 3], -120, 150, 'float32', 8);
      return same(model.predict(x) as tf.Tensor, reloaded.predict(x) as tf.Tensor);
    });
    if (!identical) throw new Error(`the written folder ${dir} does not reproduce the converted model's output`);
    return weights.length;
  } finally {
    reloaded.dispose();
  }
}
