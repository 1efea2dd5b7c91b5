/**
 * The CRF tuner in the page: the CAM over the image, the CRF mask (recomputed in a Web Worker on
 * every change of any parameter), the true mask, a control for every parameter of `CamCrfOptions`,
 * the recompute time, the IoU with the truth, and the options as code to paste back into a cell.
 *
 * While the worker computes, further changes are coalesced: only the latest parameters are sent
 * next, so dragging never queues up stale work. Without Web Workers it computes on the page's
 * thread and says so.
 */
import type { CrfTunerParameters, CrfTunerPayload } from '../../types';
import { overlayHeatmap } from '../../draw/overlay';
import { crfOptionsLiteral, CrfTunerInputs, CrfTunerResult, shadeMask, TRUTH_MASK_COLOR } from '../crf-tuner-compute';
import { crfTunerInputs } from '../payload';
import { copyButton, element, imagePanel, numberControl, NumberControl, NumberControlSpec, prepareRoot } from './dom';
import { answer, TunerAnswer, TunerRequest } from './worker';

/** The numeric parameters' controls: typical ranges on the sliders, any valid value in the fields. */
const CONTROLS: readonly NumberControlSpec[] = [
  { name: 'gaussianSxy', label: 'gaussian sxy (θγ, px)', min: 0.5, max: 20, step: 0.1, floor: 0 },
  { name: 'gaussianCompat', label: 'gaussian compat (w₂)', min: 0, max: 20, step: 0.1 },
  { name: 'bilateralSxy', label: 'bilateral sxy (θα, px)', min: 1, max: 200, step: 1, floor: 0 },
  { name: 'bilateralSrgb', label: 'bilateral srgb (θβ)', min: 1, max: 100, step: 0.5, floor: 0 },
  { name: 'bilateralCompat', label: 'bilateral compat (w₁)', min: 0, max: 30, step: 0.1 },
  { name: 'iterations', label: 'iterations', min: 0, max: 20, step: 1, floor: 0 },
  { name: 'backgroundPower', label: 'background power', min: 0.1, max: 5, step: 0.05, floor: 0 },
  { name: 'backgroundConstant', label: 'background constant', min: 0.01, max: 0.99, step: 0.01, floor: 0 },
  { name: 'clip', label: 'unary clip (log slider)', min: -10, max: -1, step: 0.1, floor: 0, log: true },
  { name: 'scale', label: 'unary scale (certainty)', min: 0.05, max: 1, step: 0.01, floor: 0 },
];

/** What scripts and tests can read on the root element (`root.wsolLabState`) after each recompute. */
export interface CrfTunerState {
  /** Increases with every finished recompute (result or error). */
  readonly sequence: number;
  readonly parameters: CrfTunerParameters;
  readonly result?: CrfTunerResult;
  readonly error?: string;
  /** Whether the computing ran in a Web Worker. */
  readonly inWorker: boolean;
  /** True while newer parameters wait for this recompute to finish (the state is then not the controls'). */
  readonly pending: boolean;
}

interface Computer {
  post(request: TunerRequest): void;
  readonly inWorker: boolean;
  stop(): void;
}

/** A worker from the page bundle's own source, or a same-thread stand-in when none can start. */
function computer(inputs: CrfTunerInputs, startWorker: () => Worker | undefined, onAnswer: (a: TunerAnswer) => void): Computer {
  const local = (): Computer => ({
    inWorker: false,
    post: (request) => {
      if (request.type === 'compute') setTimeout(() => onAnswer(answer(inputs, request.id, request.parameters)), 0);
    },
    stop: () => undefined,
  });
  const worker = startWorker();
  if (worker === undefined) return local();
  let fallback: Computer | undefined;
  let last: TunerRequest | undefined;
  worker.onmessage = (event: MessageEvent<TunerAnswer>) => onAnswer(event.data);
  worker.onerror = (event) => {
    event.preventDefault();
    worker.terminate();
    fallback = local();
    if (last !== undefined) fallback.post(last);
  };
  worker.postMessage({ type: 'init', inputs } satisfies TunerRequest);
  return {
    get inWorker() {
      return fallback === undefined;
    },
    post: (request) => {
      last = request;
      if (fallback !== undefined) fallback.post(request);
      else worker.postMessage(request);
    },
    stop: () => worker.terminate(),
  };
}

/** Mounts a CRF tuner into `root` (see the module comment). */
export function mountCrfTuner(root: HTMLElement, payload: CrfTunerPayload, startWorker: () => Worker | undefined): void {
  const inputs = crfTunerInputs(payload);
  const { width, height } = inputs.image;
  prepareRoot(root, payload.title);
  const panels = element('div', { class: 'wsol-w-row' });
  const camPanel = imagePanel('CAM', width, height, payload.zoom);
  camPanel.draw(overlayHeatmap(inputs.image, inputs.heatmap));
  const maskPanel = imagePanel('dense CRF mask (red)', width, height, payload.zoom);
  maskPanel.figure.classList.add('wsol-w-crf-mask');
  maskPanel.draw(inputs.image);
  panels.append(camPanel.figure, maskPanel.figure);
  if (inputs.truth) {
    const truthPanel = imagePanel('true mask (green)', width, height, payload.zoom);
    truthPanel.draw(shadeMask(inputs.image, inputs.truth.data, TRUTH_MASK_COLOR));
    panels.append(truthPanel.figure);
  }
  const grid = element('div', { class: 'wsol-w-controls' });
  const status = element('div', { class: 'wsol-w-status', 'data-readout': 'status' }, ['computing…']);
  const code = element('code', { class: 'wsol-w-code', 'data-readout': 'code' });
  const background = element('select', { 'data-param': 'background' }, [
    element('option', { value: 'complement' }, ['complement: (1 − h)^power']),
    element('option', { value: 'constant' }, ['constant']),
  ]);
  background.value = payload.parameters.background;
  const useScale = element('input', { type: 'checkbox', 'data-param': 'useScale' });
  useScale.checked = payload.parameters.scale !== undefined;

  const controls = new Map<string, NumberControl>();
  const current = (): CrfTunerParameters => {
    const value = (name: string) => controls.get(name)!.value();
    return {
      background: background.value === 'constant' ? 'constant' : 'complement',
      backgroundPower: value('backgroundPower'),
      backgroundConstant: value('backgroundConstant'),
      ...(useScale.checked ? { scale: value('scale') } : {}),
      clip: value('clip'),
      gaussianSxy: value('gaussianSxy'),
      gaussianCompat: value('gaussianCompat'),
      bilateralSxy: value('bilateralSxy'),
      bilateralSrgb: value('bilateralSrgb'),
      bilateralCompat: value('bilateralCompat'),
      iterations: value('iterations'),
    };
  };

  let sequence = 0;
  let requested = 0;
  let busy = false;
  let pending: CrfTunerParameters | undefined;
  let sentAt = 0;
  const sent = new Map<number, CrfTunerParameters>();
  const send = (parameters: CrfTunerParameters) => {
    busy = true;
    requested++;
    sent.set(requested, parameters);
    sentAt = performance.now();
    if (work === undefined) work = computer(inputs, startWorker, onAnswer);
    work.post({ type: 'compute', id: requested, parameters });
  };
  const onAnswer = (reply: TunerAnswer) => {
    const parameters = sent.get(reply.id) ?? current();
    sent.delete(reply.id);
    sequence++;
    const roundTrip = performance.now() - sentAt;
    const common = { sequence, parameters, inWorker: work?.inWorker ?? false, pending: pending !== undefined };
    const state: CrfTunerState =
      reply.type === 'result' ? { ...common, result: reply.result } : { ...common, error: reply.message };
    if (reply.type === 'result') {
      const { result } = reply;
      maskPanel.draw(result.overlay);
      const iou = result.iou === undefined ? '' : `IoU with the true mask ${result.iou.toFixed(3)} · `;
      status.className = 'wsol-w-status';
      status.textContent =
        `${iou}mask in ${result.milliseconds.toFixed(0)} ms (${roundTrip.toFixed(0)} ms with the round trip` +
        `${state.inWorker ? ', in a Web Worker' : ', on the page thread: no Web Worker here'})`;
      status.dataset.iou = result.iou === undefined ? '' : String(result.iou);
    } else {
      status.className = 'wsol-w-status wsol-w-error';
      status.textContent = reply.message;
    }
    status.dataset.sequence = String(sequence);
    (root as HTMLElement & { wsolLabState?: CrfTunerState }).wsolLabState = state;
    busy = false;
    if (pending !== undefined) {
      const next = pending;
      pending = undefined;
      send(next);
    }
  };
  const changed = () => {
    const parameters = current();
    controls.get('backgroundPower')!.setEnabled(parameters.background === 'complement');
    controls.get('backgroundConstant')!.setEnabled(parameters.background === 'constant');
    controls.get('scale')!.setEnabled(useScale.checked);
    code.textContent = crfOptionsLiteral(parameters);
    if (busy) pending = parameters;
    else send(parameters);
  };
  for (const spec of CONTROLS) {
    const initial = (payload.parameters as unknown as Record<string, number | undefined>)[spec.name] ?? 1;
    controls.set(spec.name, numberControl(grid, spec, initial, changed));
  }
  grid.append(element('label', {}, ['background']), background, element('span'));
  grid.append(element('label', {}, ['use unary scale']), useScale, element('span'));
  background.addEventListener('change', changed);
  useScale.addEventListener('change', changed);

  // Started on first use, stopped while the output is detached (cleared, or scrolled out by a
  // virtualising notebook view), restarted by the next change.
  let work: Computer | undefined;
  const copy = copyButton('copy as code', () => code.textContent ?? '', code);
  root.append(panels, status, grid, element('div', { class: 'wsol-w-status' }, ['CamCrfOptions: ', copy]), code);
  setInterval(() => {
    if (root.isConnected || work === undefined) return;
    work.stop();
    work = undefined;
    busy = false;
    pending = undefined;
  }, 3000);
  changed();
}
