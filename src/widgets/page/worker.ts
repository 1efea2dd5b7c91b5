/**
 * The CRF tuner's Web Worker: holds one tuner's inputs and recomputes its mask on request, so the
 * page stays responsive while a slider is dragged. Messages:
 *
 * - page → worker `{ type: 'init', inputs }`, then `{ type: 'compute', id, parameters }`;
 * - worker → page `{ type: 'result', id, result }` (a {@link CrfTunerResult}) or
 *   `{ type: 'error', id, message }` (e.g. a parameter out of range, in `refineCamWithCrf`'s words).
 */
import type { CrfTunerParameters } from '../../types';
import { computeCrfTuner, CrfTunerInputs, CrfTunerResult } from '../crf-tuner-compute';

/** A request to the worker. */
export type TunerRequest =
  | { readonly type: 'init'; readonly inputs: CrfTunerInputs }
  | { readonly type: 'compute'; readonly id: number; readonly parameters: CrfTunerParameters };

/** An answer from the worker. */
export type TunerAnswer =
  | { readonly type: 'result'; readonly id: number; readonly result: CrfTunerResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** The part of a worker's global scope used here. */
export interface WorkerScope {
  onmessage: ((event: { data: TunerRequest }) => void) | null;
  postMessage(message: TunerAnswer, transfer?: Transferable[]): void;
}

/** Answers one request against `inputs` (shared by the worker and the page's no-worker fallback). */
export function answer(inputs: CrfTunerInputs, id: number, parameters: CrfTunerParameters): TunerAnswer {
  try {
    return { type: 'result', id, result: computeCrfTuner(inputs, parameters) };
  } catch (error) {
    return { type: 'error', id, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs the message loop in a worker's global scope. */
export function runTunerWorker(scope: WorkerScope): void {
  let inputs: CrfTunerInputs | undefined;
  scope.onmessage = ({ data }) => {
    if (data.type === 'init') {
      inputs = data.inputs;
      return;
    }
    if (inputs === undefined) {
      scope.postMessage({ type: 'error', id: data.id, message: 'CRF tuner worker: compute before init' });
      return;
    }
    const reply = answer(inputs, data.id, data.parameters);
    const transfer = reply.type === 'result' ? [reply.result.mask.buffer, reply.result.overlay.data.buffer] : [];
    scope.postMessage(reply, transfer);
  };
}
