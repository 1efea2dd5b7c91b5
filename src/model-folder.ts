/**
 * Builds a tfjs layers model from a folder (`model.json` + binary weight shards) without leaking a
 * tensor when the folder is malformed, and without holding the weights twice in memory.
 *
 * `tf.loadLayersModel` builds every layer's variables, then decodes all the weights at once and
 * assigns them; when the topology names an unknown layer, or the weights do not fit the model
 * (wrong names, shapes or byte counts), it throws and strands the variables built so far and the
 * decoded weights (60–80 tensors for a shipped model). Here:
 *
 * 1. `model.json` is read and verified, and the byte count its weight specs need is checked against
 *    the shards' sizes, before anything is allocated;
 * 2. the model is built from the topology with every initializer replaced by zeros (the values are
 *    overwritten below; the random initializers of VGG16 would cost seconds); if building fails, the
 *    variables it registered are disposed;
 * 3. every weight spec is matched to a variable of the same name and shape, and every variable to a
 *    spec, before any value is read;
 * 4. the shards are streamed: one weight at a time is read from disk, decoded and assigned, while the
 *    shard's SHA-256 is computed; the caller's `verify` sees each file's hash. On any failure the model
 *    is disposed.
 *
 * Peak memory is the model plus its largest weight (not the folder twice plus the model): the
 * zero-initialised variables are JS arrays whose pages are never touched, and each weight is handed
 * to the backend as it is loaded.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/** Called with each file of the folder and its SHA-256 (hex); throws to refuse the file. */
export type VerifyFile = (file: string, sha256: string) => void;

interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: readonly tf.io.WeightsManifestEntry[] }>;
}

const BYTES_PER_DTYPE: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, complex64: 8 };

/** Bytes a weight occupies in its shard (quantised weights: their quantised type). */
function specBytes(spec: tf.io.WeightsManifestEntry, where: string): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = BYTES_PER_DTYPE[dtype];
  if (width === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(`${where}: weight '${spec.name}' has an unsupported dtype '${dtype}' or shape [${spec.shape.join(', ')}]`);
  }
  return size * width;
}

/** A file inside `dir`, refusing names that leave it. */
export function fileInFolder(dir: string, file: string): string {
  const full = path.resolve(dir, file);
  const relative = path.relative(path.resolve(dir), full);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`${file}: path leaves the model folder ${dir}`);
  }
  if (!fs.existsSync(full)) throw new Error(`${full}: file not found`);
  return full;
}

/** SHA-256 of bytes, lowercase hex. */
function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Reads, verifies and parses `dir/model.json`. */
function readModelJson(dir: string, verify: VerifyFile): ModelJson {
  const file = fileInFolder(dir, 'model.json');
  const bytes = fs.readFileSync(file);
  verify('model.json', sha256Hex(bytes));
  let json: ModelJson;
  try {
    json = JSON.parse(bytes.toString('utf8')) as ModelJson;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json?.modelTopology !== 'object' || json.modelTopology === null) throw new Error(`${file}: no modelTopology`);
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${file}: no weightsManifest`);
  return json;
}

/** The topology with every `*_initializer` replaced by zeros (a deep copy). */
export function withZeroInitializers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withZeroInitializers);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const isInitializer = key.endsWith('_initializer') && typeof v === 'object' && v !== null && 'class_name' in v;
    out[key] = isInitializer ? { class_name: 'Zeros', config: {} } : withZeroInitializers(v);
  }
  return out;
}

/** Builds the model of `topology`; on failure disposes the variables the partial build registered. */
async function buildModel(topology: object, where: string): Promise<tf.LayersModel> {
  const registry = (tf.engine() as unknown as { state: { registeredVariables: Record<string, tf.Variable> } }).state.registeredVariables;
  const before = new Set(Object.keys(registry));
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: withZeroInitializers(topology) as object }));
  } catch (error) {
    for (const [name, variable] of Object.entries(registry)) if (!before.has(name)) variable.dispose();
    throw new Error(`${where}: the topology does not build a model: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface PlannedWeight {
  readonly spec: tf.io.WeightsManifestEntry;
  readonly bytes: number;
  /** The model's variable, or undefined for an optimizer weight (read and skipped). */
  readonly variable?: tf.LayerVariable;
}

/** Matches specs and variables by name and shape, naming every mismatch. */
function planWeights(model: tf.LayersModel, specs: readonly tf.io.WeightsManifestEntry[], where: string): PlannedWeight[] {
  const variables = new Map(model.weights.map((w) => [w.originalName, w]));
  const problems: string[] = [];
  const seen = new Set<string>();
  const planned = specs.map((spec): PlannedWeight => {
    const bytes = specBytes(spec, where);
    if (spec.group === 'optimizer') return { spec, bytes };
    const variable = variables.get(spec.name);
    if (variable === undefined) problems.push(`weight '${spec.name}' has no variable in the model`);
    else if (variable.shape.length !== spec.shape.length || variable.shape.some((d, i) => d !== spec.shape[i])) {
      problems.push(`weight '${spec.name}' has shape [${spec.shape.join(', ')}], the model's variable [${variable.shape.join(', ')}]`);
    }
    seen.add(spec.name);
    return { spec, bytes, variable };
  });
  const unset = [...variables.keys()].filter((name) => !seen.has(name));
  if (unset.length > 0) problems.push(`the model's variable${unset.length > 1 ? 's' : ''} ${unset.join(', ')} ha${unset.length > 1 ? 've' : 's'} no weight`);
  if (problems.length > 0) throw new Error(`${where}: the weights do not fit the model: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`);
  return planned;
}

/** Reads a manifest group's shards in sequence as one stream of bytes, hashing each shard. */
class ShardStream {
  private index = -1;
  private fd: number | undefined;
  private offset = 0;
  private hash = crypto.createHash('sha256');

  constructor(
    private readonly paths: readonly string[],
    private readonly files: readonly string[],
    private readonly sizes: readonly number[],
    private readonly verify: VerifyFile,
  ) {}

  /** The next `length` bytes, across shard boundaries. */
  read(length: number): Uint8Array {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (this.fd === undefined || this.offset === this.sizes[this.index]) this.nextShard();
      const take = Math.min(length - filled, this.sizes[this.index] - this.offset);
      const piece = out.subarray(filled, filled + take);
      for (let done = 0; done < take; ) {
        const n = fs.readSync(this.fd!, piece, done, take - done, this.offset + done);
        if (n === 0) throw new Error(`${this.files[this.index]}: ended after ${this.offset + done} bytes`);
        done += n;
      }
      this.hash.update(piece);
      filled += take;
      this.offset += take;
    }
    return out;
  }

  /** Passes the next `length` bytes to `use` in pieces of at most 16 MiB (nothing held afterwards). */
  readChunks(length: number, use: (piece: Uint8Array) => void): void {
    const piece = 2 ** 24;
    for (let done = 0; done < length; done += piece) use(this.read(Math.min(piece, length - done)));
  }

  /** Verifies the current shard and every remaining one (empty ones included). */
  finish(): void {
    while (this.index < this.files.length - 1) this.nextShard();
    this.closeShard(true);
  }

  /** Closes the open shard without verifying it. */
  abort(): void {
    this.closeShard(false);
  }

  private nextShard(): void {
    this.closeShard(true);
    this.index++;
    if (this.index >= this.files.length) throw new Error(`${this.files.join(', ')}: the weights run past the last shard`);
    this.fd = fs.openSync(this.files[this.index], 'r');
    this.offset = 0;
    this.hash = crypto.createHash('sha256');
  }

  private closeShard(verify: boolean): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    if (verify) this.verify(this.paths[this.index], this.hash.digest('hex'));
  }
}

/**
 * Makes the backend take its own copy of a variable now. tfjs-node keeps a tensor made from a JS array
 * as that array until an op first reads it; the first forward pass would then copy every weight while
 * all the arrays are still alive (the weights twice in memory). One op per weight, as it is loaded,
 * lets each array go at once.
 */
function materialize(variable: tf.LayerVariable): void {
  tf.tidy(() => tf.sum(variable.read()).dataSync());
}

/** One weight's tensor from its bytes: a view for plain float32 (no copy), tfjs' decoder otherwise. */
function decodeWeight(bytes: Uint8Array, spec: tf.io.WeightsManifestEntry): tf.Tensor {
  if (spec.dtype === 'float32' && spec.quantization === undefined && bytes.byteOffset % 4 === 0) {
    return tf.tensor(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), spec.shape);
  }
  const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.tidy(() => tf.io.decodeWeights(own, [spec])[spec.name]);
}

/** Options of {@link loadModelFolder}. */
export interface LoadModelFolderOptions {
  /** Called with each weight's name (model.json's) and the SHA-256 of its bytes as read from its shard; throws to refuse. */
  readonly checkWeight?: (name: string, sha256: string) => void;
}

/** Streams one manifest group's shards into its planned weights, one weight at a time. */
function loadGroup(
  dir: string,
  paths: readonly string[],
  planned: readonly PlannedWeight[],
  verify: VerifyFile,
  options: LoadModelFolderOptions,
  assign: boolean,
): void {
  const files = paths.map((p) => fileInFolder(dir, p));
  const sizes = files.map((f) => fs.statSync(f).size);
  const need = planned.reduce((s, w) => s + w.bytes, 0);
  const have = sizes.reduce((a, b) => a + b, 0);
  if (need !== have) {
    throw new Error(`${files.join(', ')}: ${have} bytes, but model.json's weightsManifest describes ${need} bytes of weights`);
  }
  const stream = new ShardStream(paths, files, sizes, verify);
  try {
    for (const weight of planned) {
      if (!assign) {
        const hash = crypto.createHash('sha256');
        stream.readChunks(weight.bytes, (piece) => hash.update(piece));
        options.checkWeight?.(weight.spec.name, hash.digest('hex'));
        continue;
      }
      const bytes = stream.read(weight.bytes);
      if (options.checkWeight) options.checkWeight(weight.spec.name, sha256Hex(bytes));
      if (weight.variable === undefined) continue;
      const value = decodeWeight(bytes, weight.spec);
      try {
        weight.variable.write(value);
        materialize(weight.variable);
      } finally {
        value.dispose();
      }
    }
    stream.finish();
  } finally {
    stream.abort();
  }
}

/**
 * Loads the tfjs layers model of folder `dir`, calling `verify(file, sha256)` on `model.json` and on
 * every shard before the model is returned. Nothing is left allocated when it throws.
 *
 * @throws Error naming the file: missing, not JSON, a topology that does not build, weights that do
 *   not fit the model (names, shapes, byte counts), or whatever `verify` throws.
 */
export async function loadModelFolder(dir: string, verify: VerifyFile, options: LoadModelFolderOptions = {}): Promise<tf.LayersModel> {
  const model = await readModelFolder(dir, verify, options, true);
  return model;
}

/**
 * Checks a model folder as {@link loadModelFolder} would load it — `model.json` builds a model,
 * every weight spec fits a variable of it and every variable has one, each file's hash passes
 * `verify` and each weight's passes `options.checkWeight` — without assigning any value: the weights
 * are only hashed as they stream past, so this needs little memory however large the model.
 *
 * @throws as {@link loadModelFolder}.
 */
export async function checkModelFolder(dir: string, verify: VerifyFile, options: LoadModelFolderOptions = {}): Promise<void> {
  (await readModelFolder(dir, verify, options, false)).dispose();
}

async function readModelFolder(dir: string, verify: VerifyFile, options: LoadModelFolderOptions, assign: boolean): Promise<tf.LayersModel> {
  const json = readModelJson(dir, verify);
  const where = path.join(dir, 'model.json');
  const groups = json.weightsManifest.map((g) => {
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new Error(`${where}: a weightsManifest entry lacks paths or weights`);
    for (const p of g.paths) fileInFolder(dir, p);
    return g;
  });
  const model = await buildModel(json.modelTopology, where);
  try {
    const planned = planWeights(model, groups.flatMap((g) => g.weights), where);
    let first = 0;
    for (const group of groups) {
      loadGroup(dir, group.paths, planned.slice(first, first + group.weights.length), verify, options, assign);
      first += group.weights.length;
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
