/**
 * The `--arch auto` branch of `npm run convert` ({@link runConvertCli}): converts a Keras model file
 * with its own configuration ({@link convertKerasModel}), prints each layer's weights, writes the
 * folder atomically ({@link writeModelFolder}), loads it back through `load()` with every hash checked
 * and compares the reloaded model's output with the in-memory one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { load } from '../weights';
import type { ConvertCliArgs, ConvertCliResult } from './cli';
import { AutoConvertedManifest, convertKerasModel } from './convertKerasModel';
import { writeModelFolder } from './writeModelFolder';

/** Reads a `--classes` file: one class name per non-empty line. */
export function readClassNames(file: string): string[] {
  if (!fs.existsSync(file)) throw new Error(`--classes ${file}: no such file`);
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Runs `--arch auto` on the file's bytes; see {@link runConvertCli}. */
export async function runAutoConvert(args: ConvertCliArgs, bytes: Uint8Array, log: (line: string) => void, started: number): Promise<ConvertCliResult> {
  const conversion = await convertKerasModel(bytes, {
    fileName: path.basename(args.file),
    name: args.name,
    preprocess: args.preprocess,
    classes: args.classesFile === undefined ? undefined : readClassNames(args.classesFile),
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
    const { manifest, files } = await writeAuto(model, args, partial);
    const reloadMaxDiff = await compareReloaded(model, args.out, manifest.inputSize);
    if (!(reloadMaxDiff === 0)) throw new Error(`the written folder ${args.out} does not reproduce the converted model (max |Δ| ${reloadMaxDiff})`);
    const p = manifest.preprocessing;
    log(`${manifest.architecture}: ${model.countParams()} parameters, input ${manifest.inputSize.join('×')}×3 (${p.source}), ${manifest.classes.length} classes${manifest.classes.length === 1000 && args.classesFile === undefined ? ' (ImageNet names)' : ''}, default layer ${manifest.layers.lastConv || '(none)'}`);
    for (const f of files) log(`wrote ${path.join(args.out, f.path)}  ${f.bytes} bytes  sha256 ${f.sha256}`);
    log(`wrote ${path.join(args.out, 'manifest.json')}; reloaded with hashes checked, output identical; ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { args, manifest, files, reloadMaxDiff };
  } finally {
    model.dispose();
  }
}

function writeAuto(model: tf.LayersModel, args: ConvertCliArgs, partial: Omit<AutoConvertedManifest, 'files'>) {
  return writeModelFolder(model, args.out, (files): AutoConvertedManifest => ({ ...partial, files }), { force: args.force });
}

async function compareReloaded(model: tf.LayersModel, dir: string, inputSize: readonly [number, number]): Promise<number> {
  const { model: reloaded } = await load(path.resolve(dir));
  try {
    return tf.tidy(() => {
      const x = tf.randomUniform([1, inputSize[0], inputSize[1], 3], -120, 150, 'float32', 8);
      const a = model.predict(x) as tf.Tensor;
      const b = reloaded.predict(x) as tf.Tensor;
      return a.sub(b).abs().max().dataSync()[0];
    });
  } finally {
    reloaded.dispose();
  }
}
