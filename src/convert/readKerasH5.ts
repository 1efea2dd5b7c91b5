/**
 * Reads the weights of a Keras HDF5 file (Chollet et al., Keras, https://keras.io) in the three
 * layouts Keras has written, through the pure-JavaScript HDF5 reader jsfive:
 *
 * - `keras-h5`: the legacy weights file of Keras 2 `save_weights('x.h5')` and of the keras.applications
 *   downloads (`vgg16_weights_tf_dim_ordering_tf_kernels.h5`): root attribute `layer_names`, one group
 *   per layer whose `weight_names` attribute lists its datasets in the order Keras assigns them;
 * - `keras-h5-model`: the legacy whole-model file of `model.save('x.h5')` (Keras 2 and Keras 3): the
 *   same structure under `model_weights/`;
 * - `keras3`: Keras 3 `save_weights('x.weights.h5')`: `layers/<key>/vars/0, 1, …`, the layer's
 *   name in the `name` attribute of its `vars` group — also inside a Keras 3 `.keras` archive, whose
 *   stored member `model.weights.h5` is read in place ({@link storedZipMember}).
 *
 * Kernels come back as Keras stores them: Conv2D `(kh, kw, in, out)`, Dense `(in, out)` — already
 * tfjs' layout. The group structure is first walked with every node visited once
 * ({@link checkHdf5Structure}); jsfive then follows the groups and attributes; the weight values are
 * read here, from contiguous float32/float64 datasets whose extent is checked against the file size.
 */
import { checkHdf5Header } from './hdf5Header';
import { KERAS_WEIGHTS_MEMBER, isZipArchive, storedZipMember } from './kerasArchive';
import { checkHdf5Structure } from './hdf5Structure';
import { kerasConfigGraph } from './kerasGraph';
import {
  SourceLayer,
  SourceNet,
  SourceTensor,
  checkedElementCount,
  fileTensor,
} from './sourceNet';

/** The parts of jsfive 0.4.2 used here (it ships no type declarations). */
interface JsfiveDataObjects {
  find_msg_type(type: number): Array<Map<string, number>>;
  _get_data_message_properties(msgOffset: number): [number, number | undefined, number, number];
}
export interface JsfiveNode {
  readonly keys?: string[];
  readonly attrs: Record<string, unknown>;
  readonly shape?: number[];
  readonly dtype?: unknown;
  readonly _dataobjects: JsfiveDataObjects;
  get(path: string): JsfiveNode;
}
interface JsfiveModule {
  File: new (buffer: ArrayBuffer, filename: string) => JsfiveNode;
}

const DATA_LAYOUT_MESSAGE = 0x0008;
const CONTIGUOUS_LAYOUT = 1;

/**
 * Parses a Keras `.h5` / `.weights.h5` file and returns its layers that carry weights, in file order.
 *
 * @param file the whole `.h5`, `.weights.h5` or `.keras` file.
 * @param fileName used in error messages.
 * @throws Error for a file that is not HDF5 (wrong magic), truncated, of an unknown Keras layout,
 *   with weights that are not contiguous little-endian floats, or whose datasets reach past the end.
 */
export function readKerasH5(file: Uint8Array, fileName = 'h5'): SourceNet {
  const inArchive = isZipArchive(file);
  const bytes = inArchive ? storedZipMember(file, KERAS_WEIGHTS_MEMBER, fileName) : file;
  const archiveConfig = inArchive ? archiveModelConfig(file, fileName) : undefined;
  if (inArchive) fileName = `${fileName}:${KERAS_WEIGHTS_MEMBER}`;
  const superblock = checkHdf5Header(bytes, fileName);
  checkHdf5Structure(bytes, superblock, fileName);
  // Every jsfive step below is guarded with a message naming it; this outer guard catches the rest
  // (jsfive throws bare strings from deep inside attribute and dataspace parsing).
  const net = guard(() => readKerasLayout(bytes, fileName), fileName, 'reading the Keras layout');
  const graph = kerasConfigGraph(archiveConfig ?? net.config);
  return { format: net.format, layout: net.layout, layers: net.layers, ...(graph ? { graph } : {}) };
}

/** The parsed `config.json` of a `.keras` archive, or undefined when it is absent, compressed or not JSON. */
function archiveModelConfig(file: Uint8Array, fileName: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(storedZipMember(file, 'config.json', fileName)));
  } catch {
    return undefined;
  }
}

/** A JSON attribute (a whole-model file's `model_config`), or undefined. */
function jsonAttribute(node: JsfiveNode, name: string): unknown {
  const text = attrStrings(node, name)?.[0];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readKerasLayout(bytes: Uint8Array, fileName: string): SourceNet & { readonly config?: unknown } {
  const root = openHdf5(bytes, fileName);
  const reader = new DatasetReader(bytes, fileName);
  const rootKeys = guard(() => root.keys ?? [], fileName, 'listing the root group');
  if (attrStrings(root, 'layer_names') !== undefined) {
    return { format: 'keras', layout: 'keras-h5', layers: readLegacyLayers(root, reader, fileName) };
  }
  if (rootKeys.includes('model_weights')) {
    const group = guard(() => root.get('model_weights'), fileName, 'opening model_weights');
    const config = guard(() => jsonAttribute(root, 'model_config'), fileName, 'reading model_config');
    return { format: 'keras', layout: 'keras-h5-model', layers: readLegacyLayers(group, reader, fileName), config };
  }
  if (rootKeys.includes('layers')) {
    return { format: 'keras', layout: 'keras3', layers: readKeras3Layers(root, reader, fileName) };
  }
  throw new KerasH5Error(
    `${fileName}: an HDF5 file but not a Keras weights file: no 'layer_names' attribute, no 'model_weights' ` +
      `and no 'layers' group (root has: ${rootKeys.slice(0, 10).join(', ') || 'nothing'})`,
  );
}

export function openHdf5(bytes: Uint8Array, fileName: string): JsfiveNode {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const jsfive = require('jsfive') as JsfiveModule;
  // jsfive reads a whole ArrayBuffer from its byte 0. A view into a larger buffer (the member of a
  // .keras archive, a pooled Node Buffer) is copied out with ArrayBuffer.prototype.slice, which always
  // copies: a Node Buffer's own slice() would return a view of the whole archive again.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = whole ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return guard(() => new jsfive.File(buffer, fileName), fileName, 'opening the HDF5 structure');
}

/** Runs a jsfive step, turning what it throws (often a bare string) into an Error that names the step. */
export function guard<T>(step: () => T, fileName: string, doing: string): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof KerasH5Error) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new KerasH5Error(`${fileName}: malformed or truncated HDF5 while ${doing}: ${detail}`);
  }
}

export class KerasH5Error extends Error {}

/** A string or string-array attribute, NUL padding of fixed-length strings removed. */
export function attrStrings(node: JsfiveNode, name: string): string[] | undefined {
  const value = node.attrs[name];
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return list.filter((v): v is string => typeof v === 'string').map((v) => v.replace(/\0+$/, ''));
}

function readLegacyLayers(group: JsfiveNode, reader: DatasetReader, fileName: string): SourceLayer[] {
  const names = attrStrings(group, 'layer_names') ?? [];
  if (names.length === 0) throw new KerasH5Error(`${fileName}: the 'layer_names' attribute is missing or empty`);
  const layers: SourceLayer[] = [];
  for (const name of names) {
    const layerGroup = guard(() => group.get(name), fileName, `opening the group of layer '${name}'`);
    const weightNames = guard(() => attrStrings(layerGroup, 'weight_names') ?? [], fileName, `reading ${name}'s weight_names`);
    if (weightNames.length === 0) continue;
    const tensors = weightNames.map((w) =>
      reader.read(guard(() => layerGroup.get(w), fileName, `opening dataset '${name}/${w}'`), `${name}/${w}`),
    );
    layers.push({ name, type: '', tensors });
  }
  return layers;
}

function readKeras3Layers(root: JsfiveNode, reader: DatasetReader, fileName: string): SourceLayer[] {
  const layersGroup = guard(() => root.get('layers'), fileName, "opening 'layers'");
  const layers: SourceLayer[] = [];
  for (const key of guard(() => layersGroup.keys ?? [], fileName, "listing 'layers'")) {
    const layerGroup = guard(() => layersGroup.get(key), fileName, `opening layers/${key}`);
    if (!(layerGroup.keys ?? []).includes('vars')) continue;
    const vars = guard(() => layerGroup.get('vars'), fileName, `opening layers/${key}/vars`);
    const indices = (vars.keys ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    if (indices.length === 0) continue;
    const name = attrStrings(vars, 'name')?.[0] ?? key;
    const tensors = indices.map((i) =>
      reader.read(guard(() => vars.get(i), fileName, `opening layers/${key}/vars/${i}`), `layers/${key}/vars/${i}`),
    );
    layers.push({ name, type: '', tensors });
  }
  return layers;
}

/** Reads contiguous little-endian float datasets straight from the file bytes, bounds checked. */
export class DatasetReader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fileName: string,
  ) {}

  read(node: JsfiveNode, path: string): SourceTensor {
    const what = `${this.fileName}: dataset '${path}'`;
    const { shape, dtype } = guard(() => ({ shape: node.shape, dtype: node.dtype }), this.fileName, `reading ${path}'s header`);
    if (!Array.isArray(shape)) throw new KerasH5Error(`${what} is not a dataset`);
    const width = dtype === '<f4' ? 4 : dtype === '<f8' ? 8 : 0;
    if (width === 0) {
      throw new KerasH5Error(`${what} has type ${JSON.stringify(dtype)}; expected little-endian float32 '<f4' or float64 '<f8'`);
    }
    const dataOffset = guard(() => contiguousDataAddress(node), this.fileName, `locating ${path}'s data`);
    if (dataOffset === undefined) {
      throw new KerasH5Error(`${what} is chunked or compact; only the contiguous storage Keras writes is supported`);
    }
    if (!Number.isSafeInteger(dataOffset) || dataOffset < 0 || dataOffset > this.bytes.length) {
      throw new KerasH5Error(`${what}: its data address ${dataOffset} is outside the ${this.bytes.length}-byte file`);
    }
    const count = checkedElementCount(shape, width, this.bytes.length - dataOffset, what);
    return fileTensor(shape, this.bytes.subarray(dataOffset, dataOffset + count * width), width === 4 ? 4 : 8);
  }
}

/** The file address of a contiguous dataset's data, or undefined for chunked/compact storage. */
function contiguousDataAddress(node: JsfiveNode): number | undefined {
  const objects = node._dataobjects;
  const message = objects.find_msg_type(DATA_LAYOUT_MESSAGE)[0];
  if (message === undefined) throw new Error('no data layout message');
  const offset = message.get('offset_to_message');
  if (offset === undefined) throw new Error('data layout message without offset');
  const [, , layoutClass, propertyOffset] = objects._get_data_message_properties(offset);
  if (layoutClass !== CONTIGUOUS_LAYOUT) return undefined;
  const view = new DataView((objects as unknown as { fh: ArrayBuffer }).fh);
  return view.getUint32(propertyOffset, true) + view.getUint32(propertyOffset + 4, true) * 2 ** 32;
}
