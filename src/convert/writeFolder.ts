/**
 * Writing a model folder safely: the files are written into a temporary folder beside the target
 * (`.<name>.writing-XXXXXX`), and only a complete folder is renamed into place, so a failed write
 * (disk full, file too large) leaves neither a partial new folder nor a damaged old one. The weights
 * are streamed to `weights.bin` one tensor at a time, so a conversion never holds them all in memory;
 * every write error names the file.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/** Where the bytes of one written file go. */
export interface FileSink {
  write(bytes: Uint8Array): void;
  /** Flushes to disk and closes. */
  close(): void;
}

/** Opens a new file for writing (tests inject one that fails). */
export type OpenFile = (file: string) => FileSink;

/** The default {@link OpenFile}: a new file (never an existing one), written with `fs`, fsync'ed on close. */
export const openFileSink: OpenFile = (file) => {
  const fd = fs.openSync(file, 'wx');
  let open = true;
  return {
    write(bytes) {
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    },
    close() {
      if (!open) return;
      open = false;
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
};

/** A file written into a model folder. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** One weight to write, in the order of the model's weights. */
export interface WeightToWrite {
  /** The name model.json gives it (`conv1_1/kernel`). */
  readonly name: string;
  readonly shape: readonly number[];
  /** Its float32 values (called once, while it is written, unless `chunks` is given). */
  values(): Float32Array;
  /** Its values in consecutive pieces, used instead of `values` when present. */
  chunks?(): Iterable<Float32Array>;
}

/** What {@link writeLayersModelFiles} wrote. */
export interface WrittenModelFiles {
  /** `model.json` and `weights.bin`. */
  readonly files: WrittenFile[];
  /** SHA-256 of each weight's bytes, by name: what a reload must reproduce. */
  readonly weightSha256: ReadonlyMap<string, string>;
}

function named(file: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message.startsWith(file) ? message : `${file}: ${message}`);
}

/**
 * Writes `bytes` chunks produced by `produce` to `file` through `open`, returning the file's size and
 * SHA-256. Errors name the file; the sink is closed either way.
 */
export function writeFileThrough(open: OpenFile, file: string, produce: (write: (bytes: Uint8Array) => void) => void): WrittenFile {
  const hash = crypto.createHash('sha256');
  let size = 0;
  let sink: FileSink;
  try {
    sink = open(file);
  } catch (error) {
    throw named(file, error);
  }
  try {
    produce((bytes) => {
      try {
        sink.write(bytes);
      } catch (error) {
        throw named(file, error);
      }
      hash.update(bytes);
      size += bytes.length;
    });
  } catch (error) {
    try {
      sink.close();
    } catch {
      // the first error is the one to report
    }
    throw error;
  }
  try {
    sink.close();
  } catch (error) {
    throw named(file, error);
  }
  return { path: path.basename(file), bytes: size, sha256: hash.digest('hex') };
}

/**
 * Writes a tfjs layers model into the folder `dir` (which exists): `weights.bin`, streamed from
 * `weights` one tensor at a time, and `model.json` with `topology` (`model.toJSON(null, false)`) and
 * the weight specs — the files `tf.LayersModel.save` writes, read back by `tf.loadLayersModel`.
 *
 * @throws Error naming the file that could not be written, or the weight whose values do not fit its shape.
 */
export function writeLayersModelFiles(dir: string, topology: object, weights: readonly WeightToWrite[], open: OpenFile = openFileSink): WrittenModelFiles {
  const weightSha256 = new Map<string, string>();
  const bin = writeFileThrough(open, path.join(dir, 'weights.bin'), (write) => {
    for (const weight of weights) {
      const size = weight.shape.reduce((a, b) => a * b, 1);
      const hash = crypto.createHash('sha256');
      let count = 0;
      for (const values of weight.chunks?.() ?? [weight.values()]) {
        const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
        hash.update(bytes);
        write(bytes);
        count += values.length;
      }
      if (count !== size) throw new RangeError(`${weight.name}: ${count} values for shape [${weight.shape.join(', ')}]`);
      weightSha256.set(weight.name, hash.digest('hex'));
    }
  });
  const modelJson = {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape.slice(), dtype: 'float32' })) }],
  };
  const json = writeFileThrough(open, path.join(dir, 'model.json'), (write) => write(Buffer.from(JSON.stringify(modelJson))));
  return { files: [json, bin], weightSha256 };
}

/** Options of {@link replaceFolderAtomically}. */
export interface ReplaceFolderOptions {
  /** Replace an existing model folder (one holding `manifest.json`, or empty). @default false */
  readonly force?: boolean;
}

/**
 * Calls `fill(staging)` with a new temporary folder beside `dir`, then renames it to `dir`; an
 * existing `dir` (with `force`) is moved aside first and removed only once the new folder is in
 * place. When `fill` or a rename fails, the temporary folder is removed and the old folder is left
 * (or put back) as it was.
 *
 * @throws Error when `dir` exists and `force` is not set, when it is a file or a non-empty folder
 *   without `manifest.json` (not a model folder: never replaced), and whatever `fill` throws.
 */
export async function replaceFolderAtomically<T>(dir: string, options: ReplaceFolderOptions, fill: (staging: string) => Promise<T> | T): Promise<T> {
  const target = path.resolve(dir);
  checkReplaceable(target, options.force ?? false);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.writing-`));
  let result: T;
  try {
    result = await fill(staging);
    checkReplaceable(target, options.force ?? false); // it may have appeared meanwhile
    swapInto(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return result;
}

function checkReplaceable(target: string, force: boolean): void {
  if (!fs.existsSync(target)) return;
  if (!fs.statSync(target).isDirectory()) throw new Error(`${target} is a file; refusing to replace it with a model folder`);
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return;
  if (!entries.includes('manifest.json')) {
    throw new Error(`${target} holds files but no manifest.json: not a model folder, so it is never replaced (choose another --out)`);
  }
  if (!force) throw new Error(`${target} already holds a model (manifest.json); pass --force to overwrite it`);
}

function swapInto(staging: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  const old = `${staging}.old`;
  fs.renameSync(target, old);
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    fs.renameSync(old, target);
    throw error;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
