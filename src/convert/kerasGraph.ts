/**
 * The graph a Keras file records — the `model_config` of a whole-model `.h5`, the `config.json` of a
 * `.keras` archive — as {@link SourceGraphNode}s, so that {@link checkSourceGraph} checks Keras files
 * as it checks caffemodels. Each layer writes one blob named after itself and reads the blobs its
 * inbound node names (Keras 3: `inbound_nodes[0].args[…].config.keras_history[0]`; Keras 2:
 * `inbound_nodes[0][i][0]`; a Sequential: the layer before). Keras' layer classes map onto Caffe's
 * types (Conv2D → Convolution with its kernel, stride, dilation and pad 1 for 'same' / 0 for 'valid';
 * Dense → InnerProduct; pooling → Pooling; Activation / ReLU → ReLU), and a convolution's fused
 * activation is kept. Weights-only files (`.weights.h5`, the keras.applications downloads) record no
 * graph.
 */
import { SourceGraphNode } from './sourceNet';

interface KerasLayerConfig {
  readonly class_name?: string;
  readonly name?: string;
  readonly config?: Record<string, unknown>;
  readonly inbound_nodes?: unknown;
}

const TYPES: Readonly<Record<string, string>> = {
  Conv2D: 'Convolution',
  Dense: 'InnerProduct',
  MaxPooling2D: 'Pooling',
  AveragePooling2D: 'Pooling',
  GlobalAveragePooling2D: 'Pooling',
  GlobalMaxPooling2D: 'Pooling',
  Flatten: 'Flatten',
  Dropout: 'Dropout',
  ReLU: 'ReLU',
  InputLayer: 'Input',
};

/** Layer names a Keras 3 or Keras 2 inbound-nodes entry reads. */
function inboundNames(nodes: unknown): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const first = nodes[0] as unknown;
  if (Array.isArray(first)) return first.map((entry) => (Array.isArray(entry) ? String(entry[0]) : '')).filter(Boolean); // Keras 2
  const names: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const history = (value as { config?: { keras_history?: unknown[] } }).config?.keras_history;
      if ((value as { class_name?: string }).class_name === '__keras_tensor__' && Array.isArray(history)) names.push(String(history[0]));
      else Object.values(value).forEach(visit);
    }
  };
  visit((first as { args?: unknown }).args ?? []);
  return names;
}

const pair = (value: unknown, fallback: number): number[] =>
  Array.isArray(value) ? value.slice(0, 2).map(Number) : typeof value === 'number' ? [value, value] : [fallback, fallback];

/**
 * The graph of a Keras model config (the parsed `model_config` / `config.json`), or undefined when it
 * is not a flat Sequential or Functional model (nested models are not traced).
 */
export function kerasConfigGraph(config: unknown): SourceGraphNode[] | undefined {
  const model = config as { class_name?: string; config?: { layers?: KerasLayerConfig[] } | KerasLayerConfig[] };
  const kind = model?.class_name;
  const layers = Array.isArray(model?.config) ? model.config : model?.config?.layers;
  if ((kind !== 'Sequential' && kind !== 'Functional' && kind !== 'Model') || !Array.isArray(layers)) return undefined;
  if (layers.some((l) => ['Sequential', 'Functional', 'Model'].includes(l.class_name ?? ''))) return undefined;
  return layers.map((layer, i): SourceGraphNode => {
    const c = layer.config ?? {};
    const name = String(layer.name ?? c.name ?? `layer_${i}`);
    const className = layer.class_name ?? '';
    const activation = typeof c.activation === 'string' ? c.activation : undefined;
    let type = TYPES[className] ?? className;
    if (className === 'Activation') type = activation === 'relu' ? 'ReLU' : `Activation(${activation})`;
    const previous = i > 0 ? String(layers[i - 1].name ?? layers[i - 1].config?.name ?? '') : 'input';
    const inputs = kind === 'Sequential' ? [previous] : inboundNames(layer.inbound_nodes);
    const conv =
      className === 'Conv2D'
        ? { kernel: pair(c.kernel_size, 0), pad: c.padding === 'same' ? pair(c.kernel_size, 0).map((k) => (k - 1) / 2) : [0, 0], stride: pair(c.strides, 1), dilation: pair(c.dilation_rate, 1) }
        : undefined;
    return { name, type, inputs, outputs: [name], conv, activation: className === 'Conv2D' ? activation : undefined };
  });
}
