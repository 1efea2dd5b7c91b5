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
import { caffeConvKernelToTfjs, caffeInnerProductRowChunks, caffeInnerProductRowsToTfjs } from './caffeLayout';
import { checkSourceGraph } from './checkGraph';
import { expandGroupedKernel } from './groupedKernel';
import { SourceLayer, SourceNet, SourceTensor } from './sourceNet';

/** A tensor in tfjs' layout whose values are computed from the file when asked (a new array on each call). */
export interface MappedTensor {
  readonly shape: readonly number[];
  values(): Float32Array;
  /** The same values in consecutive pieces, for tensors too large to compute whole (Caffe's fc6). */
  chunks?(): Iterable<Float32Array>;
}

/** Kernel rows per piece of a Caffe InnerProduct brought into tfjs' layout (VGG16's fc6: 3136 rows × 4096 = 51 MB). */
const DENSE_CHUNK_VALUES = 2 ** 24;

/** One architecture layer's weights, in tfjs' layout. */
export interface MappedLayer {
  /** Layer name in the architecture (`conv1_1`, `fc6`, `CAM_fc`). */
  readonly name: string;
  /** Its name in the file (`conv1_1`, `block1_conv1`, `fc1`). */
  readonly sourceName: string;
  readonly kernel: MappedTensor;
  readonly bias: MappedTensor;
  /** Kernel shape as the file stored it. */
  readonly sourceShape: readonly number[];
  /** Groups of a grouped convolution (Caffe `group`), expanded to a dense kernel; 1 otherwise. */
  readonly groups: number;
}

/** The result of {@link mapWeights}. */
export interface MappedWeights {
  readonly arch: ConvertArch;
  readonly layers: readonly MappedLayer[];
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
 * kernel of the right rank and a bias of matching length, that consecutive layers chain (each
 * layer's input channels are the previous layer's outputs), and that the file has no weight layer
 * the architecture lacks (a VGG19's `block3_conv4` …: converting it as VGG16 would silently drop
 * them); where the file records its graph (Caffe), that the layers are wired as the architecture's
 * chain ({@link checkSourceGraph}). Only shapes are read here: the values are read and brought into tfjs' layout when a
 * mapped tensor's `values()` is called.
 *
 * @throws Error naming the missing layers (and the architecture the file looks like), the surplus
 *   layers, or the layer and shape that do not fit.
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
  const surplus = net.layers.filter((l) => !used.has(l.name)).map((l) => l.name);
  if (surplus.length > 0) throw new Error(surplusLayersMessage(net, arch, surplus));
  checkSourceGraph(net, arch, layers.map((l) => l.sourceName));
  return { arch, layers, classes: inputs, flattenSide };
}

function surplusLayersMessage(net: SourceNet, arch: ConvertArch, surplus: string[]): string {
  const wanted = ARCH_LAYERS[arch].conv.length + ARCH_LAYERS[arch].dense.length;
  const vgg19 = surplus.some((n) => /^(block[345]_conv4|conv[345]_4)$/.test(n));
  return (
    `The ${net.format} file has weight layer${surplus.length > 1 ? 's' : ''} that --arch ${arch} does not have: ` +
    `${surplus.slice(0, 12).join(', ')}${surplus.length > 12 ? ', …' : ''} (${net.layers.length} weight layers in the file, ` +
    `${wanted} in ${arch}${vgg19 ? '; a 4th convolution in blocks 3–5 is VGG19' : ''}). Converting it as ${arch} would drop them ` +
    `and give a network unrelated to the file's, so it is refused`
  );
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

function checkBias(bias: SourceTensor, out: number, name: string): MappedTensor {
  const dims = squeezeLeading(bias.shape, 1);
  if (dims.length !== 1 || dims[0] !== out) {
    throw new RangeError(`${name}: bias has shape [${bias.shape.join(', ')}], expected ${out} values (one per output)`);
  }
  return { shape: [out], values: () => bias.values() };
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
  const caffe = net.format === 'caffe';
  const [kh, kw, inC, out] = caffe ? [kernel.shape[2], kernel.shape[3], kernel.shape[1], kernel.shape[0]] : kernel.shape;
  const groups = layer.groups ?? 1;
  checkConvInputs(name, inC, out, channels, groups);
  const tfjsLayout = (): Float32Array => (caffe ? caffeConvKernelToTfjs(kernel.values(), out, inC, kh, kw) : kernel.values());
  const mapped: MappedTensor =
    groups > 1
      ? { shape: [kh, kw, channels, out], values: () => expandGroupedKernel(tfjsLayout(), kh, kw, inC, out, groups) }
      : { shape: [kh, kw, inC, out], values: tfjsLayout };
  return { name, sourceName: layer.name, kernel: mapped, bias: checkBias(bias, out, name), sourceShape: kernel.shape, groups };
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
  let mapped: MappedTensor;
  if (net.format === 'caffe') {
    // (out, in) → (in, out), fc6's inputs reordered from (C, H, W) to (H, W, C); read 32 rows at a time.
    const [channels, side] = flatten ? [flatten.channels, flatten.side] : [b, 1];
    const rows = (first: number, count: number): Float32Array => kernel.values(first * b, count * b);
    mapped = {
      shape: [b, a],
      values: () => caffeInnerProductRowsToTfjs(rows, a, channels, side, side),
      chunks: () => caffeInnerProductRowChunks(rows, a, channels, side, side, Math.max(1, Math.floor(DENSE_CHUNK_VALUES / a))),
    };
  } else {
    mapped = { shape: [a, b], values: () => kernel.values() };
  }
  return { name, sourceName: layer.name, kernel: mapped, bias: checkBias(bias, mapped.shape[1], name), sourceShape: kernel.shape, groups: 1 };
}
