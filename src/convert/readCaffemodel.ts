/**
 * Reads the weights of a Caffe `.caffemodel` (a binary `caffe.NetParameter`, Jia et al., "Caffe:
 * Convolutional Architecture for Fast Feature Embedding", 2014) through the protobufjs schema of
 * {@link CAFFE_SCHEMA}, in both layouts Caffe has written:
 *
 * - `caffe-v1`: `NetParameter.layers` (field 2) of `V1LayerParameter`, blobs shaped by
 *   num/channels/height/width — e.g. VGG_ILSVRC_16_layers.caffemodel (2014);
 * - `caffe-v2`: `NetParameter.layer` (field 100) of `LayerParameter`, blobs shaped by `BlobShape` —
 *   e.g. the CAM authors' vgg16CAM_train_iter_90000.caffemodel.
 *
 * Shapes are returned as Caffe states them (convolution `(out, in, kh, kw)`, InnerProduct
 * `(out, in)` or `(1, 1, out, in)`), to be mapped by {@link mapCaffeWeights}.
 */
import * as protobuf from 'protobufjs';
import {
  BlobProtoMessage,
  ConvolutionParameterMessage,
  LayerMessage,
  NetParameterMessage,
  V1_LAYER_TYPES,
  netParameterMessageType,
} from './caffeSchema';
import {
  MAX_MODEL_FILE_BYTES,
  SourceGraphNode,
  SourceLayer,
  SourceNet,
  SourceTensor,
  checkedElementCount,
  fileTensor,
  sniffFormat,
} from './sourceNet';

/**
 * Parses a `.caffemodel` and returns its layers that carry blobs, in file order.
 *
 * Protobuf lengths are checked against the bytes present by the protobuf reader, and every blob's
 * declared shape against the floats it really holds, so a truncated or lying file is refused before
 * anything is allocated from a declared size.
 *
 * @param bytes the whole file.
 * @throws Error for an empty, oversized, truncated or malformed file, a file of another format, or a
 *   blob whose shape does not match its data.
 */
export function readCaffemodel(bytes: Uint8Array): SourceNet {
  if (bytes.length === 0) throw new Error('caffemodel: the file is empty');
  if (bytes.length > MAX_MODEL_FILE_BYTES) {
    throw new RangeError(`caffemodel: ${bytes.length} bytes is more than the ${MAX_MODEL_FILE_BYTES} bytes supported`);
  }
  const other = sniffFormat(bytes);
  if (other !== undefined) throw new Error(`caffemodel: this is ${other}, not a binary Caffe NetParameter`);

  const net = decodeNetParameter(bytes);
  const v1 = net.layers.length > 0;
  if (v1 && net.layer.length > 0) {
    throw new Error('caffemodel: the NetParameter has both V1 `layers` and `layer` entries; Caffe never writes both');
  }
  const messages = v1 ? net.layers : net.layer;
  const layers: SourceLayer[] = [];
  for (const [index, layer] of messages.entries()) {
    if (layer.blobs.length === 0) continue;
    const name = layer.name ?? '';
    if (name === '') throw new Error(`caffemodel: layer #${index} has blobs but no name`);
    const tensors = layer.blobs.map((blob, b) => blobToTensor(blob, `caffemodel layer '${name}' blob ${b}`));
    const groups = layer.convolution_param?.group ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`caffemodel layer '${name}': invalid group ${groups}`);
    layers.push({ name, type: layerType(layer), tensors, groups });
  }
  if (layers.length === 0) {
    throw new Error(
      'caffemodel: no layer carries weights (is this a .prototxt, a .solverstate or another protobuf file?)',
    );
  }
  const graph = messages.map((layer): SourceGraphNode => ({
    name: layer.name ?? '',
    type: layerType(layer),
    inputs: layer.bottom.slice(),
    outputs: layer.top.slice(),
    conv: layer.convolution_param ? convGeometry(layer.convolution_param) : undefined,
  }));
  return { format: 'caffe', layout: v1 ? 'caffe-v1' : 'caffe-v2', layers, graph };
}

const has = (message: object, field: string): boolean => Object.prototype.hasOwnProperty.call(message, field);

/**
 * A convolution's (height, width) geometry as Caffe reads it: `kernel_size` / `pad` / `stride` /
 * `dilation` given once for both sides or once per side, or `kernel_h`/`kernel_w` (…); pad defaults
 * to 0, stride and dilation to 1. `kernel` is undefined when the file states no kernel size.
 */
function convGeometry(p: ConvolutionParameterMessage) {
  const pair = (list: readonly number[] | undefined, h: string, w: string, fallback: number): number[] => {
    if (has(p, h) || has(p, w)) return [has(p, h) ? (p as Record<string, number>)[h] : fallback, has(p, w) ? (p as Record<string, number>)[w] : fallback];
    if (list === undefined || list.length === 0) return [fallback, fallback];
    return list.length === 1 ? [list[0], list[0]] : list.slice(0, 2);
  };
  const statesKernel = (p.kernel_size?.length ?? 0) > 0 || has(p, 'kernel_h') || has(p, 'kernel_w');
  return {
    kernel: statesKernel ? pair(p.kernel_size, 'kernel_h', 'kernel_w', 0) : undefined,
    pad: pair(p.pad, 'pad_h', 'pad_w', 0),
    stride: pair(p.stride, 'stride_h', 'stride_w', 1),
    dilation: pair(p.dilation, 'dilation_h', 'dilation_w', 1),
  };
}

function decodeNetParameter(bytes: Uint8Array): NetParameterMessage {
  try {
    return netParameterMessageType().decode(bytes) as unknown as NetParameterMessage;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`caffemodel: truncated or not a Caffe NetParameter (protobuf: ${detail})`);
  }
}

function layerType(layer: LayerMessage): string {
  if (typeof layer.type === 'number') return V1_LAYER_TYPES[layer.type] ?? `V1 type ${layer.type}`;
  return layer.type ?? '';
}

/** A Caffe int64 dimension as a number, refusing negative and unsafe values. */
function dimToNumber(dim: number | protobuf.Long, what: string): number {
  const value = typeof dim === 'number' ? dim : dim.high * 2 ** 32 + (dim.low >>> 0);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what}: invalid dimension ${String(dim)}`);
  return value;
}

/** The blob's shape: `BlobShape.dim` when present, else the legacy (num, channels, height, width). */
function blobShape(blob: BlobProtoMessage, what: string): number[] {
  if (blob.shape && blob.shape.dim.length > 0) return blob.shape.dim.map((d) => dimToNumber(d, what));
  const legacy = [blob.num ?? 0, blob.channels ?? 0, blob.height ?? 0, blob.width ?? 0];
  for (const d of legacy) if (d < 0) throw new RangeError(`${what}: invalid dimension ${d} in num/channels/height/width`);
  return legacy;
}

function blobToTensor(blob: BlobProtoMessage, what: string): SourceTensor {
  const shape = blobShape(blob, what);
  const floats = blob.data ?? new Uint8Array(0);
  const doubles = blob.double_data ?? new Uint8Array(0);
  const useDoubles = floats.length === 0 && doubles.length > 0;
  const payload = useDoubles ? doubles : floats;
  const width = useDoubles ? 8 : 4;
  const count = checkedElementCount(shape, width, payload.length, what);
  if (payload.length !== count * width) {
    throw new RangeError(
      `${what}: shape [${shape.join(', ')}] has ${count} values but the blob holds ${payload.length} bytes ` +
        `(${payload.length / width} ${useDoubles ? 'doubles' : 'floats'})`,
    );
  }
  return fileTensor(shape, payload, useDoubles ? 8 : 4);
}
