/**
 * Maps the layers of a model file ({@link SourceNet}) onto an architecture's weight layers by name,
 * bringing every kernel into tfjs' layout: Conv2D `(kh, kw, in, out)`, Dense `(in, out)`, bias `(out)`.
 *
 * Caffe: kernels `(out, in, kh, kw)` → `(kh, kw, in, out)`, InnerProduct `(out, in)` → `(in, out)`,
 * and VGG16's fc6, which reads pool5 flattened as `(C, H, W)`, has its input rows reordered for the
 * `(H, W, C)` flatten of tfjs (see caffeLayout.ts); a grouped convolution (`convolution_param.group`,
 * 2 on the CAM model's CAM_conv) is expanded to its dense equivalent (groupedKernel.ts).
 * Keras: already in tfjs' layout; names mapped by {@link archNameOfKerasLayer}, or by creation order
 * for a Keras 3 `.weights.h5` that stores no names.
 */
import { ARCH_LAYERS, ConvertArch, archNameOfKerasLayer } from './architectures';
import { caffeConvKernelToTfjs, caffeFlattenedInnerProductToTfjs, caffeInnerProductToTfjs } from './caffeLayout';
import { expandGroupedKernel } from './groupedKernel';
import { SourceLayer, SourceNet, SourceTensor } from './sourceNet';

/** One architecture layer's weights, in tfjs' layout. */
export interface MappedLayer {
  /** Layer name in the architecture (`conv1_1`, `fc6`, `CAM_fc`). */
  readonly name: string;
  /** Its name in the file (`conv1_1`, `block1_conv1`, `fc1`). */
  readonly sourceName: string;
  readonly kernel: SourceTensor;
  readonly bias: SourceTensor;
  /** Kernel shape as the file stored it. */
  readonly sourceShape: readonly number[];
  /** Groups of a grouped convolution (Caffe `group`), expanded to a dense kernel; 1 otherwise. */
  readonly groups: number;
}

/** The result of {@link mapWeights}. */
export interface MappedWeights {
  readonly arch: ConvertArch;
  readonly layers: readonly MappedLayer[];
  /** Weight-carrying layers of the file that the architecture has no place for. */
  readonly ignored: readonly string[];
  /** Output units of the head (`fc8` / `CAM_fc`). */
  readonly classes: number;
  /**
   * Side of the feature map that the flattened Dense layer reads (pool5: 7 for 224-pixel VGG16), or
   * undefined for architectures without one.
   */
  readonly flattenSide?: number;
}

/**
 * Maps `net`'s weights onto `arch`, checking that every weight layer of `arch` is present with a
 * kernel of the right rank and a bias of matching length, and that consecutive layers chain (each
 * layer's input channels are the previous layer's outputs).
 *
 * @throws Error naming the missing layers (and the architecture the file looks like), or the layer
 *   and shape that do not fit.
 */
export function mapWeights(net: SourceNet, arch: ConvertArch): MappedWeights {
  const spec = ARCH_LAYERS[arch];
  const byName = indexByArchName(net, arch);
  const wanted = [...spec.conv, ...spec.dense];
  const missing = wanted.filter((name) => !byName.has(name));
  if (missing.length > 0) throw new Error(missingLayersMessage(net, arch, missing, byName));

  const layers: MappedLayer[] = [];
  let channels = 3;
  for (const name of spec.conv) {
    const mapped = mapConv(net, byName.get(name)!, name, channels);
    channels = mapped.kernel.shape[3];
    layers.push(mapped);
  }
  let inputs = channels;
  let flattenSide: number | undefined;
  for (const name of spec.dense) {
    const source = byName.get(name)!;
    if (name === spec.flattened) {
      const fanIn = denseFanIn(net, source, name);
      flattenSide = flattenedSide(fanIn, channels, name);
      inputs = fanIn;
    }
    const mapped = mapDense(net, source, name, name === spec.flattened ? { channels, side: flattenSide! } : undefined);
    if (mapped.kernel.shape[0] !== inputs) {
      throw new RangeError(`${name}: its kernel takes ${mapped.kernel.shape[0]} inputs but the layer before gives ${inputs}`);
    }
    inputs = mapped.kernel.shape[1];
    layers.push(mapped);
  }
  const used = new Set(layers.map((l) => l.sourceName));
  const ignored = net.layers.filter((l) => !used.has(l.name)).map((l) => l.name);
  return { arch, layers, ignored, classes: inputs, flattenSide };
}

/** `conv2d`, `conv2d_1`, … / `dense`, `dense_1`, …: Keras 3's keys for unnamed layers. */
const KERAS3_KEY = /^(conv2d|dense)(?:_(\d+))?$/;

/**
 * Keras 3 versions before the layer name was stored in `.weights.h5` (in the `vars` group's `name`
 * attribute) leave only keys made from the class name, numbered in creation order: `conv2d`,
 * `conv2d_1`, …, `dense`, `dense_1`, …. For such a file, the k-th convolution is the architecture's
 * k-th convolution and the k-th Dense its k-th dense layer; the counts must match.
 */
function namesFromKeras3Order(net: SourceNet, arch: ConvertArch): Map<string, string> | undefined {
  if (net.layout !== 'keras3' || !net.layers.every((l) => KERAS3_KEY.test(l.name))) return undefined;
  const spec = ARCH_LAYERS[arch];
  const names = new Map<string, string>();
  for (const [kind, targets] of [['conv2d', spec.conv], ['dense', spec.dense]] as const) {
    const keys = net.layers
      .map((l) => KERAS3_KEY.exec(l.name)!)
      .filter((m) => m[1] === kind)
      .sort((a, b) => Number(a[2] ?? 0) - Number(b[2] ?? 0))
      .map((m) => m[0]);
    if (keys.length !== targets.length) {
      throw new Error(
        `the keras3 file names no layers and has ${keys.length} ${kind} layers where --arch ${arch} has ${targets.length}`,
      );
    }
    keys.forEach((key, i) => names.set(key, targets[i]));
  }
  return names;
}

function indexByArchName(net: SourceNet, arch: ConvertArch): Map<string, SourceLayer> {
  const map = new Map<string, SourceLayer>();
  const byOrder = namesFromKeras3Order(net, arch);
  for (const layer of net.layers) {
    const name = byOrder?.get(layer.name) ?? (net.format === 'keras' ? archNameOfKerasLayer(layer.name) : layer.name);
    if (map.has(name)) throw new Error(`${net.format} file: two layers map to '${name}' (${map.get(name)!.name}, ${layer.name})`);
    map.set(name, layer);
  }
  return map;
}

function missingLayersMessage(net: SourceNet, arch: ConvertArch, missing: string[], byName: Map<string, SourceLayer>): string {
  const other = (Object.keys(ARCH_LAYERS) as ConvertArch[]).find(
    (a) => a !== arch && [...ARCH_LAYERS[a].conv, ...ARCH_LAYERS[a].dense].every((n) => byName.has(n)),
  );
  const found = [...byName.keys()];
  return (
    `The ${net.format} file lacks layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of --arch ${arch}` +
    (other ? `; it has every layer of --arch ${other}: is that the architecture?` : '') +
    ` (weight layers in the file: ${found.slice(0, 24).join(', ')}${found.length > 24 ? ', …' : ''})`
  );
}

/** The kernel and bias of a layer, refusing any other number of tensors. */
function kernelAndBias(layer: SourceLayer, name: string): [SourceTensor, SourceTensor] {
  if (layer.tensors.length !== 2) {
    throw new Error(`${name} (file layer '${layer.name}'): expected 2 tensors (kernel, bias), found ${layer.tensors.length}`);
  }
  return [layer.tensors[0], layer.tensors[1]];
}

/** Dimensions with the leading 1s of Caffe's legacy 4-D blobs removed, down to `rank`. */
function squeezeLeading(shape: readonly number[], rank: number): number[] {
  const dims = shape.slice();
  while (dims.length > rank && dims[0] === 1) dims.shift();
  return dims;
}

function checkBias(bias: SourceTensor, out: number, name: string): SourceTensor {
  const dims = squeezeLeading(bias.shape, 1);
  if (dims.length !== 1 || dims[0] !== out) {
    throw new RangeError(`${name}: bias has shape [${bias.shape.join(', ')}], expected ${out} values (one per output)`);
  }
  return { shape: [out], data: bias.data };
}

/** Checks that a kernel of `inC` inputs in `groups` groups reads the `channels` of the layer before. */
function checkConvInputs(name: string, inC: number, out: number, channels: number, groups: number): void {
  if (inC * groups === channels && out % groups === 0) return;
  const stated = groups > 1 ? ` in ${groups} groups (${out} outputs)` : '';
  const hint =
    groups === 1 && channels % inC === 0 ? ` (a grouped convolution of ${channels / inC} groups? the file states no group)` : '';
  throw new RangeError(`${name}: its kernel takes ${inC} input channels${stated} but the layer before gives ${channels}${hint}`);
}

function mapConv(net: SourceNet, layer: SourceLayer, name: string, channels: number): MappedLayer {
  const [kernel, bias] = kernelAndBias(layer, name);
  if (kernel.shape.length !== 4) {
    throw new RangeError(`${name}: convolution kernel has shape [${kernel.shape.join(', ')}], expected 4 dimensions`);
  }
  let shape: number[];
  let data: Float32Array;
  if (net.format === 'caffe') {
    const [out, inC, kh, kw] = kernel.shape;
    shape = [kh, kw, inC, out];
    data = caffeConvKernelToTfjs(kernel.data, out, inC, kh, kw);
  } else {
    shape = kernel.shape.slice();
    data = kernel.data;
  }
  const [kh, kw, inC, out] = shape;
  const groups = layer.groups ?? 1;
  checkConvInputs(name, inC, out, channels, groups);
  if (groups > 1) {
    data = expandGroupedKernel(data, kh, kw, inC, out, groups);
    shape = [kh, kw, channels, out];
  }
  return { name, sourceName: layer.name, kernel: { shape, data }, bias: checkBias(bias, out, name), sourceShape: kernel.shape, groups };
}

/** Inputs of a Dense/InnerProduct layer as the file states them. */
function denseFanIn(net: SourceNet, layer: SourceLayer, name: string): number {
  const dims = denseDims(layer.tensors[0], name);
  return net.format === 'caffe' ? dims[1] : dims[0];
}

function denseDims(kernel: SourceTensor, name: string): [number, number] {
  const dims = squeezeLeading(kernel.shape, 2);
  if (dims.length !== 2) {
    throw new RangeError(`${name}: dense kernel has shape [${kernel.shape.join(', ')}], expected 2 dimensions`);
  }
  return [dims[0], dims[1]];
}

/** Side S of the square map a flatten of `channels × S × S` values came from. */
function flattenedSide(fanIn: number, channels: number, name: string): number {
  const side = Math.round(Math.sqrt(fanIn / channels));
  if (side < 1 || side * side * channels !== fanIn) {
    throw new RangeError(
      `${name}: takes ${fanIn} inputs, which is not ${channels} channels × S × S for a square pool5 of side S`,
    );
  }
  return side;
}

function mapDense(
  net: SourceNet,
  layer: SourceLayer,
  name: string,
  flatten?: { channels: number; side: number },
): MappedLayer {
  const [kernel, bias] = kernelAndBias(layer, name);
  const [a, b] = denseDims(kernel, name);
  let shape: number[];
  let data: Float32Array;
  if (net.format === 'caffe') {
    shape = [b, a];
    data = flatten
      ? caffeFlattenedInnerProductToTfjs(kernel.data, a, flatten.channels, flatten.side, flatten.side)
      : caffeInnerProductToTfjs(kernel.data, a, b);
  } else {
    shape = [a, b];
    data = kernel.data;
  }
  return { name, sourceName: layer.name, kernel: { shape, data }, bias: checkBias(bias, shape[1], name), sourceShape: kernel.shape, groups: 1 };
}
