/**
 * The layer graph of a tfjs LayersModel (Sequential or functional, with skips, shared layers and
 * nested models), flattened into steps that can be re-executed eagerly with some layers swapped
 * for a look-alike: the last Dense without its softmax (to read the logits) or every ReLU replaced
 * by the guided ReLU. The caller's model and layers are never changed: a swapped layer is a
 * prototype-linked shadow (`Object.create(layer)`) that owns only a different `activation` and
 * shares the original's weight variables.
 *
 * A {@link ModelPlan} holds no tensors and is cached per model in a WeakMap, so repeated calls do
 * not rebuild it and it goes away with the model.
 */
import * as tf from '@tensorflow/tfjs';
import { guidedActivation, guidedRelu, guidedRelu6 } from './guided-relu';
import { tapeSafeCall, unfusedCall } from './unfused';

/** A tfjs layer as seen by the plumbing. */
export type Layer = tf.layers.Layer;
/** Keyword arguments a layer was called with. */
type Kwargs = Record<string, unknown>;
/** How one step computes its outputs from its inputs. */
export type LayerCall = (inputs: tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

/** One layer application of the graph, or an alias that forwards a tensor into/out of a nested model. */
export interface Step {
  readonly layer: Layer | undefined;
  readonly inputs: readonly tf.SymbolicTensor[];
  readonly outputs: readonly tf.SymbolicTensor[];
  readonly kwargs: Kwargs;
}

/** A layer of the model (possibly inside a nested model) and the symbolic tensor it produces. */
export interface LayerInfo {
  readonly name: string;
  readonly layer: Layer;
  readonly output: tf.SymbolicTensor;
  /** The steps that compute `output`, in topological order. */
  readonly stepsTo: readonly Step[];
  /** Ids of the symbolic tensors that depend on `output` (itself included). */
  readonly downstream: ReadonlySet<number>;
  /** The steps of the plan that are not in `stepsTo`: what remains to run from `output` to the scores. */
  readonly headSteps: readonly Step[];
}

/**
 * Which look-alike layers a run uses: `plain` (the model's own layers, the last Dense without its
 * softmax), `taped` (the same computation with Conv2D and Dense unfused, for runs recorded on a
 * gradient tape) or `guided` (taped, with every ReLU replaced by the guided ReLU).
 */
export type RunMode = 'plain' | 'taped' | 'guided';

/** The analysed graph of one model. */
export interface ModelPlan {
  readonly model: tf.LayersModel;
  readonly input: tf.SymbolicTensor;
  /** The pre-softmax class scores. */
  readonly logits: tf.SymbolicTensor;
  /** How the logits are obtained, for messages. */
  readonly logitsNote: string;
  /** All steps from the input to the logits, in topological order. */
  readonly steps: readonly Step[];
  /** Layer names in graph order (nested models' layers included, the input layer excluded). */
  readonly layerNames: readonly string[];
  /** The layer that applies the final softmax, when it is a Dense with a softmax activation. */
  readonly softmaxDense: Layer | undefined;
  /** For each symbolic tensor id, how many steps of `steps` read it. */
  readonly consumers: ReadonlyMap<number, number>;
  /** Whether some tensor is known under several ids (nested models), which rules out early release. */
  readonly hasAliases: boolean;
  layerInfo(name: string): LayerInfo;
  calls(mode: RunMode): ReadonlyMap<Layer, LayerCall>;
}

interface ActivationLike {
  getClassName(): string;
  apply(x: tf.Tensor): tf.Tensor;
}

const plans = new WeakMap<tf.LayersModel, { readonly plan: ModelPlan; readonly layerCount: number }>();

function className(layer: Layer): string {
  return layer.getClassName();
}

function activationOf(layer: Layer): ActivationLike | undefined {
  const activation = (layer as unknown as { activation?: ActivationLike | null }).activation;
  return activation != null && typeof activation.getClassName === 'function' ? activation : undefined;
}

function isInputLayer(layer: Layer): boolean {
  return className(layer) === 'InputLayer';
}

function isNestedModel(layer: Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** A look-alike of `layer` with another activation, sharing its weights; `layer` is untouched. */
export function withActivation(layer: Layer, activation: ActivationLike): Layer {
  const shadow = Object.create(layer) as Layer;
  Object.defineProperty(shadow, 'activation', { value: activation, writable: true, enumerable: true });
  return shadow;
}

const LINEAR: ActivationLike = { getClassName: () => 'linear', apply: (x) => x };

function applyLayer(layer: Layer): LayerCall {
  return (inputs, kwargs) => layer.apply(inputs, kwargs) as tf.Tensor | tf.Tensor[];
}

/** The producing step of a symbolic tensor, or undefined for a graph input. */
function producer(st: tf.SymbolicTensor): Step | undefined {
  const layer = st.sourceLayer;
  if (isInputLayer(layer)) return undefined;
  const node = layer.inboundNodes[st.nodeIndex];
  return { layer, inputs: node.inputTensors, outputs: node.outputTensors, kwargs: (node.callArgs ?? {}) as Kwargs };
}

class GraphWalker {
  /** Inner input tensor id of a nested model → the outer tensor fed to it. */
  readonly aliasOf = new Map<number, tf.SymbolicTensor>();
  /** Nested models run as one block (applied more than once, so their inner graph is ambiguous). */
  readonly opaqueNested = new Set<string>();
  /** Nested model → id of the first output of the one application whose inner graph is expanded. */
  private readonly expandedAt = new Map<tf.LayersModel, number>();

  constructor(private readonly rootInput: tf.SymbolicTensor) {}

  /**
   * Steps computing `target`, in topological order (depth-first; the recursion is as deep as the
   * longest path, a few hundred frames for the deepest Keras applications).
   */
  stepsTo(target: tf.SymbolicTensor): Step[] {
    const order: Step[] = [];
    const done = new Set<number>();
    const visit = (st: tf.SymbolicTensor): void => {
      if (done.has(st.id)) return;
      done.add(st.id);
      if (st.id === this.rootInput.id) return;
      const alias = this.aliasOf.get(st.id);
      if (alias !== undefined) {
        visit(alias);
        order.push({ layer: undefined, inputs: [alias], outputs: [st], kwargs: {} });
        return;
      }
      const step = producer(st);
      if (step === undefined) {
        throw new Error(`symbolic tensor '${st.name}' comes from an input layer that is not the model's input`);
      }
      for (const o of step.outputs) done.add(o.id);
      const layer = step.layer as Layer;
      const expandable =
        isNestedModel(layer) &&
        layer.inputs.length === step.inputs.length &&
        (this.expandedAt.get(layer) ?? step.outputs[0].id) === step.outputs[0].id &&
        !this.opaqueNested.has(layer.name);
      if (isNestedModel(layer) && expandable) {
        this.expandedAt.set(layer, step.outputs[0].id);
        layer.inputs.forEach((inner, i) => this.aliasOf.set(inner.id, step.inputs[i]));
        layer.outputs.forEach((inner, i) => {
          visit(inner);
          order.push({ layer: undefined, inputs: [inner], outputs: [step.outputs[i]], kwargs: {} });
        });
        return;
      }
      if (isNestedModel(layer)) this.opaqueNested.add(layer.name);
      for (const input of step.inputs) visit(input);
      order.push(step);
    };
    visit(target);
    return order;
  }
}

function findLogits(model: tf.LayersModel): { logits: tf.SymbolicTensor; note: string; softmaxDense?: Layer } {
  const output = model.outputs[0];
  const step = producer(output);
  if (step === undefined) return { logits: output, note: 'the model output (the model is its input)' };
  const layer = step.layer as Layer;
  const activation = activationOf(layer)?.getClassName();
  const kind = className(layer);
  if ((kind === 'Activation' && activation === 'softmax') || kind === 'Softmax') {
    return { logits: step.inputs[0], note: `the input of the softmax layer '${layer.name}'` };
  }
  if (activation === 'softmax') {
    return { logits: output, note: `the logits of '${layer.name}' (its softmax skipped)`, softmaxDense: layer };
  }
  return { logits: output, note: `the output of '${layer.name}' (no softmax to skip)` };
}

function downstreamOf(output: tf.SymbolicTensor, steps: readonly Step[]): Set<number> {
  const set = new Set<number>([output.id]);
  for (const step of steps) {
    if (step.inputs.some((i) => set.has(i.id))) for (const o of step.outputs) set.add(o.id);
  }
  return set;
}

const IDENTITY = (x: tf.Tensor): tf.Tensor => x;

/** The call of `layer` in a taped run, or undefined to apply the layer itself. */
function tapedCall(layer: Layer, softmaxDense: Layer | undefined): LayerCall | undefined {
  if (layer === softmaxDense) {
    const linear = applyLayer(withActivation(layer, LINEAR));
    return unfusedCall(layer, IDENTITY, linear) ?? linear;
  }
  const activation = activationOf(layer);
  if (activation === undefined) return tapeSafeCall(layer);
  return unfusedCall(layer, (x) => activation.apply(x), applyLayer(layer));
}

/** The call of `layer` in a guided run, or undefined to apply the layer itself. */
function guidedCall(layer: Layer, softmaxDense: Layer | undefined): LayerCall | undefined {
  const kind = className(layer);
  if (kind === 'ReLU') {
    const maxValue = (layer as unknown as { maxValue?: number | null }).maxValue;
    return (inputs) => {
      const y = guidedRelu(inputs[0]);
      return maxValue != null ? tf.clipByValue(y, 0, maxValue) : y;
    };
  }
  const activation = layer === softmaxDense ? undefined : activationOf(layer)?.getClassName();
  if (activation === 'relu' || activation === 'relu6') {
    const shadow = applyLayer(withActivation(layer, guidedActivation(activation)));
    return unfusedCall(layer, activation === 'relu' ? guidedRelu : guidedRelu6, shadow) ?? shadow;
  }
  return tapedCall(layer, softmaxDense);
}

function buildPlan(model: tf.LayersModel): ModelPlan {
  if (model.inputs.length !== 1) {
    throw new RangeError(`model '${model.name}': expected a model with one input, got ${model.inputs.length}`);
  }
  const input = model.inputs[0];
  const { logits, note, softmaxDense } = findLogits(model);
  const walker = new GraphWalker(input);
  const steps = walker.stepsTo(logits);
  const outputOwner = new Map<number, Step>();
  for (const step of steps) if (step.layer !== undefined) for (const o of step.outputs) outputOwner.set(o.id, step);

  const byName = new Map<string, Layer>();
  for (const step of steps) if (step.layer !== undefined && !byName.has(step.layer.name)) byName.set(step.layer.name, step.layer);
  const layerNames = [...byName.keys()];
  const infos = new Map<string, LayerInfo>();

  const plain = new Map<Layer, LayerCall>();
  if (softmaxDense !== undefined) plain.set(softmaxDense, applyLayer(withActivation(softmaxDense, LINEAR)));
  const lookAlikes = new Map<RunMode, Map<Layer, LayerCall>>([['plain', plain]]);
  const buildCalls = (make: (layer: Layer) => LayerCall | undefined): Map<Layer, LayerCall> => {
    const calls = new Map<Layer, LayerCall>();
    for (const layer of byName.values()) {
      const call = make(layer);
      if (call !== undefined) calls.set(layer, call);
    }
    return calls;
  };

  const consumers = new Map<number, number>();
  for (const step of steps) for (const i of step.inputs) consumers.set(i.id, (consumers.get(i.id) ?? 0) + 1);

  const plan: ModelPlan = {
    model,
    input,
    logits,
    logitsNote: note,
    steps,
    layerNames,
    softmaxDense,
    consumers,
    hasAliases: steps.some((step) => step.layer === undefined),
    layerInfo(name: string): LayerInfo {
      const cached = infos.get(name);
      if (cached !== undefined) return cached;
      const layer = byName.get(name);
      if (layer === undefined) {
        const shown = layerNames.length > 12 ? [...layerNames.slice(0, 4), '…', ...layerNames.slice(-7)] : layerNames;
        throw new RangeError(`model '${model.name}' has no layer named '${name}' on the path to its scores; layers: ${shown.join(', ')}`);
      }
      const outputs = layer.inboundNodes
        .flatMap((node) => node.outputTensors)
        .filter((o) => outputOwner.get(o.id)?.layer === layer);
      if (outputs.length !== 1) {
        throw new RangeError(
          `layer '${name}' has ${outputs.length} outputs on the path to the scores (shared or multi-output layer): its activations are ambiguous`,
        );
      }
      const output = outputs[0];
      const stepsTo = walker.stepsTo(output);
      const before = new Set(stepsTo.map((step) => step.outputs[0].id));
      const headSteps = steps.filter((step) => !before.has(step.outputs[0].id));
      const info: LayerInfo = { name, layer, output, stepsTo, downstream: downstreamOf(output, steps), headSteps };
      infos.set(name, info);
      return info;
    },
    calls(mode: RunMode): ReadonlyMap<Layer, LayerCall> {
      if (mode === 'guided' && walker.opaqueNested.size > 0) {
        throw new Error(
          `guided backpropagation must replace every ReLU, but the nested model(s) ${[...walker.opaqueNested].join(', ')} are applied more than once and run as opaque blocks`,
        );
      }
      let calls = lookAlikes.get(mode);
      if (calls === undefined) {
        calls = buildCalls(mode === 'guided' ? (l) => guidedCall(l, softmaxDense) : (l) => tapedCall(l, softmaxDense));
        lookAlikes.set(mode, calls);
      }
      return calls;
    },
  };
  return plan;
}

/** The cached {@link ModelPlan} of `model` (built on first use). */
export function modelPlan(model: tf.LayersModel): ModelPlan {
  const cached = plans.get(model);
  // A Sequential that grew (model.add) after the first call gets a new plan.
  if (cached !== undefined && cached.layerCount === model.layers.length && cached.plan.logits === findLogits(model).logits) {
    return cached.plan;
  }
  const plan = buildPlan(model);
  plans.set(model, { plan, layerCount: model.layers.length });
  return plan;
}

/** Symbolic tensor id → value of one eager run. */
export type Memo = Map<number, tf.Tensor>;

/**
 * Early release of intermediate tensors during a run outside any gradient tape: a value is
 * disposed as soon as every step of the plan that reads it has run, unless its id is in `keep`.
 */
export interface Release {
  readonly plan: ModelPlan;
  readonly keep: ReadonlySet<number>;
}

/**
 * Runs `steps` in order, reading inputs from and writing outputs to `memo`; steps whose outputs
 * are all known already are skipped. Call inside `tf.tidy`. With `release` (never inside
 * `tf.grad`), intermediate values are disposed as soon as no later step of the plan reads them.
 */
export function runSteps(steps: readonly Step[], memo: Memo, calls: ReadonlyMap<Layer, LayerCall>, release?: Release): void {
  const remaining = release !== undefined && !release.plan.hasAliases ? new Map(release.plan.consumers) : undefined;
  const seeds = new Set(memo.values());
  for (const step of steps) {
    if (step.outputs.every((o) => memo.has(o.id))) continue;
    const inputs = step.inputs.map((i) => {
      const value = memo.get(i.id);
      if (value === undefined) throw new Error(`internal: no value for '${i.name}' before '${step.layer?.name ?? 'alias'}'`);
      return value;
    });
    if (step.layer === undefined) {
      memo.set(step.outputs[0].id, inputs[0]);
      continue;
    }
    const call = calls.get(step.layer) ?? applyLayer(step.layer);
    const result = call(inputs, step.kwargs);
    const list = Array.isArray(result) ? result : [result];
    step.outputs.forEach((o, i) => memo.set(o.id, list[i]));
    if (remaining !== undefined && release !== undefined) {
      for (const input of step.inputs) {
        const left = (remaining.get(input.id) ?? 1) - 1;
        remaining.set(input.id, left);
        const value = memo.get(input.id);
        if (left === 0 && !release.keep.has(input.id) && value !== undefined && !seeds.has(value) && !list.includes(value)) {
          value.dispose();
          memo.delete(input.id);
        }
      }
    }
  }
}

/** The class names of convolutional layers that {@link defaultLayerName} picks from. */
export const CONV_CLASSES: ReadonlySet<string> = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Conv2DTranspose']);

/**
 * Positions in `steps` after which every later step depends on that step's output alone: a tensor
 * every path from the input to the scores goes through (a cut of the graph). With the steps in
 * topological order, step k is a cut exactly when, once it has run, its output is the only value
 * still to be read by a later step.
 */
export function cutPositions(plan: ModelPlan): Set<number> {
  const remaining = new Map(plan.consumers);
  const live = new Set<number>();
  const cuts = new Set<number>();
  plan.steps.forEach((step, k) => {
    for (const input of step.inputs) {
      const left = (remaining.get(input.id) ?? 1) - 1;
      remaining.set(input.id, left);
      if (left <= 0) live.delete(input.id);
    }
    for (const o of step.outputs) if ((remaining.get(o.id) ?? 0) > 0) live.add(o.id);
    if (live.size === 1 && step.outputs.length === 1 && live.has(step.outputs[0].id)) cuts.add(k);
  });
  return cuts;
}

/**
 * The default target layer of the CAM family: the last convolutional layer (Conv2D, SeparableConv2D,
 * DepthwiseConv2D, Conv2DTranspose) on the path from the input to the class scores (`conv5_3` for
 * VGG16) — or, when a skip connection or a parallel branch bypasses it (ResNet's identity shortcuts,
 * Inception's and DenseNet's concatenations), the first layer after it through which every path to
 * the scores goes and whose output is still a feature map (`conv5_block3_add` for ResNet50, `mixed10`
 * for InceptionV3, `conv5_block16_concat` for DenseNet121): a map of one branch alone would explain only
 * part of what the scores see. Nested models are looked into.
 *
 * @throws Error when the model has no convolutional layer, listing its layers.
 */
export function defaultLayerName(model: tf.LayersModel): string {
  const plan = modelPlan(model);
  let last = -1;
  for (let i = plan.steps.length - 1; i >= 0 && last < 0; i--) {
    const layer = plan.steps[i].layer;
    if (layer !== undefined && CONV_CLASSES.has(className(layer))) last = i;
  }
  if (last < 0) {
    throw new Error(
      `model '${model.name}' has no convolutional layer to default to; pass options.layer (layers: ${plan.layerNames.join(', ')})`,
    );
  }
  const cuts = cutPositions(plan);
  for (let k = last; k < plan.steps.length; k++) {
    const step = plan.steps[k];
    if (step.layer !== undefined && cuts.has(k) && step.outputs[0].shape.length === 4) return step.layer.name;
  }
  return (plan.steps[last].layer as Layer).name;
}
