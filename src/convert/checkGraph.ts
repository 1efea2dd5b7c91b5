/**
 * Checks that a file whose weight layers carry the architecture's names is also wired as that
 * architecture, where the file records its graph (a caffemodel lists every layer with the blobs it
 * reads and writes; a whole-model Keras `.h5` or `.keras` its config, see kerasGraph.ts; Keras
 * weights files store no graph, and there only names and shapes are checked).
 *
 * VGG16 and VGG16-GAP are chains: each weight layer reads the output of the one before, through
 * nothing but ReLU, Dropout, Flatten, Split and — between blocks only, at most one — Pooling
 * (Simonyan & Zisserman 2015, configuration D; Zhou et al. 2016 drop pool5 and add CAM_conv, a
 * global average pool and CAM_fc). Every convolution that states its geometry is 3×3 with pad 1,
 * stride 1 and no dilation. A file whose same-named layers read other blobs (a skip connection, a
 * different order), pass through other layers (Concat, Eltwise, LRN…), pool inside a block or
 * convolve otherwise is refused: its weights would compute something else in the tfjs model.
 */
import { ARCH_LAYERS, ConvertArch } from './architectures';
import { SourceGraphNode, SourceNet } from './sourceNet';

/** Parameter-free layer types a VGG chain passes through. */
const PASS_THROUGH = new Set(['ReLU', 'Dropout', 'Flatten', 'Split', 'Pooling']);

/** The block of a VGG convolution (`conv3_2` → 3); undefined for the others. */
function blockOf(name: string): number | undefined {
  const m = /^conv(\d)_\d$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Refuses a file whose recorded graph is not `arch`'s chain (see the module comment).
 * `sourceNames` are the file names of the architecture's weight layers, in the architecture's order.
 *
 * @throws Error naming the layer, what it reads and where that comes from.
 */
export function checkSourceGraph(net: SourceNet, arch: ConvertArch, sourceNames: readonly string[]): void {
  const graph = net.graph;
  if (graph === undefined || graph.every((n) => n.inputs.length === 0)) return; // no wiring recorded
  const archNames = [...ARCH_LAYERS[arch].conv, ...ARCH_LAYERS[arch].dense];
  const index = new Map(graph.map((n, i) => [n.name, i]));
  const fail = (problem: string): never => {
    throw new Error(`The ${net.format} file's graph is not ${arch}'s: ${problem}`);
  };
  sourceNames.forEach((name, k) => {
    const at = index.get(name) ?? fail(`no layer '${name}' in its layer list`);
    checkConvGeometry(graph[at], fail);
    if (k === 0) return;
    const previous = sourceNames[k - 1];
    const pools = traceTo(graph, at, previous, fail);
    const [a, b] = [blockOf(archNames[k - 1]), blockOf(archNames[k])];
    if (a !== undefined && a === b && pools > 0) fail(`'${name}' is reached from '${previous}' through a pooling layer inside block ${a}`);
    if (pools > 1) fail(`'${name}' is reached from '${previous}' through ${pools} pooling layers (at most one between blocks)`);
  });
}

/**
 * Follows what layer `at` reads back to `previous`, through pass-through layers only; returns the
 * number of Pooling layers on the way.
 */
function traceTo(graph: readonly SourceGraphNode[], at: number, previous: string, fail: (problem: string) => never): number {
  const start = graph[at];
  if (start.inputs.length !== 1) fail(`'${start.name}' reads ${start.inputs.length} blobs (${start.inputs.join(', ')}), not one`);
  let blob = start.inputs[0];
  let before = at;
  let pools = 0;
  for (;;) {
    let producer = -1;
    for (let i = before - 1; i >= 0; i--) if (graph[i].outputs.includes(blob)) { producer = i; break; }
    if (producer < 0) fail(`'${start.name}' reads '${blob}', which no earlier layer writes (expected the output of '${previous}')`);
    const node = graph[producer];
    if (node.name === previous) return pools;
    if (!PASS_THROUGH.has(node.type) || node.inputs.length !== 1) {
      fail(`'${start.name}' reads '${blob}' from '${node.name}' (${node.type || 'unknown type'}), not from '${previous}' through ReLU/pooling`);
    }
    if (node.type === 'Pooling') pools++;
    blob = node.inputs[0];
    before = producer;
  }
}

function checkConvGeometry(node: SourceGraphNode, fail: (problem: string) => never): void {
  if (node.type === 'Convolution' && node.activation !== undefined && node.activation !== 'relu') {
    fail(`'${node.name}' is a convolution with activation '${node.activation}'; VGG16's are followed by a ReLU`);
  }
  const conv = node.conv;
  if (conv?.kernel === undefined) return;
  const is = (pair: readonly number[], v: number): boolean => pair.every((x) => x === v);
  if (!is(conv.kernel, 3) || !is(conv.pad, 1) || !is(conv.stride, 1) || !is(conv.dilation, 1)) {
    fail(
      `'${node.name}' is a ${conv.kernel.join('×')} convolution with pad ${conv.pad.join('/')}, stride ${conv.stride.join('/')}, ` +
        `dilation ${conv.dilation.join('/')}; VGG16's are 3×3, pad 1, stride 1, dilation 1`,
    );
  }
}
