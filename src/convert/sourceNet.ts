/**
 * What a model-file reader hands to the mappers: the weight-carrying layers of a file, in the file's own
 * shapes, plus the bounds every reader checks before it allocates, so that a hostile or broken file
 * (lying lengths, absurd shapes) ends in a clear error and never in an unbounded allocation.
 */

/** Largest model file the converters read: 2 GiB, Node's file-read limit (VGG16 is 528 MiB as .caffemodel or .h5). */
export const MAX_MODEL_FILE_BYTES = 2 * 1024 ** 3 - 1;

/** Largest number of dimensions a weight tensor may declare. */
export const MAX_TENSOR_RANK = 8;

/**
 * A weight tensor of a model file: its shape as the file states it, and its values read as float32
 * only when asked, so that a reader holds the file's bytes once and never a second copy of them.
 */
export interface SourceTensor {
  readonly shape: readonly number[];
  /**
   * Values `[start, start + count)` in the file's order (row-major in `shape`) as float32: a view of
   * the file's bytes where they are aligned float32 (read-only by contract: do not modify it), a new
   * array otherwise. @default all of them
   */
  values(start?: number, count?: number): Float32Array;
}

/** Number of values of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkedRange(size: number, start: number, count: number, shape: readonly number[]): void {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > size) {
    throw new RangeError(`values(${start}, ${count}): outside the ${size} values of a [${shape.join(', ')}] tensor`);
  }
}

/**
 * A {@link SourceTensor} over little-endian float32 (`width` 4) or float64 (`width` 8) bytes of a
 * file, which must hold `width × size` bytes (the readers check it); nothing is copied until read,
 * and aligned float32 values are not copied at all.
 */
export function fileTensor(shape: readonly number[], bytes: Uint8Array, width: 4 | 8): SourceTensor {
  const size = sizeOfShape(shape);
  if (bytes.length < size * width) throw new RangeError(`tensor [${shape.join(', ')}] needs ${size * width} bytes, got ${bytes.length}`);
  return {
    shape: shape.slice(),
    values(start = 0, count = size - start): Float32Array {
      checkedRange(size, start, count, shape);
      const part = bytes.subarray(start * width, (start + count) * width);
      if (width === 4 && LITTLE_ENDIAN_HOST && part.byteOffset % 4 === 0) return new Float32Array(part.buffer, part.byteOffset, count);
      return width === 4 ? float32FromLittleEndian(part, count) : float32FromLittleEndianFloat64(part, count);
    },
  };
}

/** A {@link SourceTensor} over values already in memory (copied on each read). */
export function memoryTensor(shape: readonly number[], data: Float32Array): SourceTensor {
  const size = sizeOfShape(shape);
  if (data.length !== size) throw new RangeError(`tensor [${shape.join(', ')}] has ${size} values, got ${data.length}`);
  return {
    shape: shape.slice(),
    values(start = 0, count = size - start): Float32Array {
      checkedRange(size, start, count, shape);
      return data.slice(start, start + count);
    },
  };
}

/** One layer of a model file that carries weights, in the order the file stores them. */
export interface SourceLayer {
  /** Layer name as stored in the file (`conv1_1`, `block1_conv1`, …). */
  readonly name: string;
  /** Layer type as stored (`Convolution`, `InnerProduct`, a V1 enum name), or '' when unknown. */
  readonly type: string;
  /** Its weight tensors in file order (Caffe: weight then bias; Keras: kernel then bias). */
  readonly tensors: readonly SourceTensor[];
  /** Groups of a grouped convolution as the file states them (Caffe `convolution_param.group`). @default 1 */
  readonly groups?: number;
}

/** The weight-carrying layers of a model file, before any mapping onto an architecture. */
export interface SourceNet {
  /** Which tool wrote the file. */
  readonly format: 'caffe' | 'keras';
  /**
   * Which layout of that format:
   * - `caffe-v1`: V1LayerParameter in `NetParameter.layers`, blobs sized by num/channels/height/width;
   * - `caffe-v2`: LayerParameter in `NetParameter.layer`, blobs sized by `BlobShape`;
   * - `keras-h5`: Keras' legacy HDF5 weights file (Keras 2 `save_weights('x.h5')`, the
   *   keras.applications downloads): one group per layer at the root, `layer_names`/`weight_names` attributes;
   * - `keras-h5-model`: Keras' legacy whole-model HDF5 (`model.save('x.h5')`, Keras 2 or 3): the same
   *   under `model_weights/`;
   * - `keras3`: Keras 3 `.weights.h5`: `layers/<key>/vars/<i>`, the layer's name in the `vars` group's `name`.
   */
  readonly layout: 'caffe-v1' | 'caffe-v2' | 'keras-h5' | 'keras-h5-model' | 'keras3';
  readonly layers: readonly SourceLayer[];
  /**
   * Every layer of the file in file order, with or without weights, and how they connect, when the
   * file records it (a caffemodel's `bottom` / `top` blobs, a whole-model Keras file's config);
   * undefined when it does not (Keras weights files store no graph).
   */
  readonly graph?: readonly SourceGraphNode[];
}

/** A layer of a file's graph (Caffe: a `layer` / `layers` entry). */
export interface SourceGraphNode {
  readonly name: string;
  /** Layer type (`Convolution`, `ReLU`, `Pooling`, …). */
  readonly type: string;
  /** Names of the blobs it reads. */
  readonly inputs: readonly string[];
  /** Names of the blobs it writes (an in-place ReLU writes the blob it reads). */
  readonly outputs: readonly string[];
  /** A convolution's fused activation, where the file has one (Keras' Conv2D `activation`). */
  readonly activation?: string;
  /** A convolution's geometry, each as (height, width), where the file states it. */
  readonly conv?: { readonly kernel?: readonly number[]; readonly pad: readonly number[]; readonly stride: readonly number[]; readonly dilation: readonly number[] };
}

/**
 * Checks a declared shape: rank at most {@link MAX_TENSOR_RANK}, non-negative integer dimensions, and
 * an element count whose `bytesPerElement`-sized payload fits in `availableBytes` (the bytes that are
 * really there). Returns the element count.
 *
 * @throws RangeError naming `what`, the shape and the bytes available.
 */
export function checkedElementCount(
  shape: readonly number[],
  bytesPerElement: number,
  availableBytes: number,
  what: string,
): number {
  if (shape.length > MAX_TENSOR_RANK) {
    throw new RangeError(`${what}: shape [${shape.join(', ')}] has rank ${shape.length}, more than ${MAX_TENSOR_RANK}`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${what}: shape [${shape.join(', ')}] has an invalid dimension ${d}`);
    }
    count *= d;
    if (count * bytesPerElement > availableBytes) {
      throw new RangeError(
        `${what}: shape [${shape.join(', ')}] needs at least ${count * bytesPerElement} bytes but only ` +
          `${availableBytes} are available (truncated file or absurd size in a header)`,
      );
    }
  }
  return count;
}

/**
 * Copies little-endian float32 bytes into a new Float32Array of `count` values (the bytes need not be
 * 4-byte aligned). The caller has checked that `bytes` holds at least `4 × count` bytes.
 */
export function float32FromLittleEndian(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * 4);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Converts little-endian float64 bytes to a new Float32Array of `count` values. */
export function float32FromLittleEndianFloat64(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 8);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Names the format of a file from its first bytes, for "this is not a …" errors. */
export function sniffFormat(bytes: Uint8Array): string | undefined {
  const starts = (sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  if (starts([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'an HDF5 file (Keras .h5: use --from keras)';
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'a zip archive (a Keras .keras file: use --from keras; PyTorch files are not supported)';
  if (starts([0x7b])) return 'a JSON text';
  if (starts([0x6e, 0x61, 0x6d, 0x65]) || starts([0x6c, 0x61, 0x79, 0x65, 0x72])) return 'a text .prototxt (the weights are in the .caffemodel)';
  return undefined;
}
