/**
 * The class explorer in the page: a list of the classes with their scores, the selected class's
 * map over the image with its box (red) and the true box (green), the box's IoU, and a threshold
 * slider for the box. Switching class or threshold recomputes in the page (no kernel round trip).
 */
import type { ClassExplorerPayload } from '../../types';
import { ClassExplorerView, computeClassExplorer } from '../class-explorer-compute';
import { classExplorerInputs } from '../payload';
import { element, imagePanel, numberControl, prepareRoot } from './dom';

/** What scripts and tests can read on the root element (`root.wsolLabState`) after each change. */
export interface ClassExplorerState {
  readonly sequence: number;
  readonly classIndex: number;
  readonly threshold: number;
  readonly view?: ClassExplorerView;
  readonly error?: string;
}

/** A probability as a readable percentage, small ones in scientific notation (`3.2e-5 %`); other scores as they are. */
function describeScore(score: number): string {
  if (!(score >= 0 && score <= 1)) return score.toPrecision(4);
  const percent = 100 * score;
  return percent >= 0.1 || percent === 0 ? `${percent.toFixed(1)} %` : `${percent.toExponential(1)} %`;
}

/** Mounts a class explorer into `root` (see the module comment). */
export function mountClassExplorer(root: HTMLElement, payload: ClassExplorerPayload): void {
  const inputs = classExplorerInputs(payload);
  const { width, height } = inputs.image;
  prepareRoot(root, payload.title);
  const list = element('select', { 'data-param': 'class', size: String(Math.min(10, Math.max(2, inputs.classes.length))) });
  inputs.classes.forEach((c, i) => list.append(element('option', { value: String(i) }, [`${c.name} — ${describeScore(c.score)}`])));
  list.value = String(payload.initial);
  const panel = imagePanel('', width, height, payload.zoom);
  panel.figure.classList.add('wsol-w-class-map');
  const grid = element('div', { class: 'wsol-w-controls wsol-w-single' });
  const status = element('div', { class: 'wsol-w-status', 'data-readout': 'status' });
  let sequence = 0;
  const update = () => {
    const classIndex = Number(list.value);
    const threshold = thresholdControl.value();
    sequence++;
    let state: ClassExplorerState;
    try {
      const view = computeClassExplorer(inputs, classIndex, threshold, payload.alpha);
      panel.draw(view.picture);
      const name = inputs.classes[classIndex].name;
      panel.caption.textContent = `map of '${name}' (${describeScore(inputs.classes[classIndex].score)})`;
      const box = view.box ? `box (${view.box.x0}, ${view.box.y0})–(${view.box.x1}, ${view.box.y1})` : 'no pixel above the threshold: no box';
      const iou = view.iou === undefined ? '' : ` · IoU with the true box ${view.iou.toFixed(3)}`;
      status.className = 'wsol-w-status';
      status.textContent = `${box} at ${(100 * threshold).toFixed(0)} % of the maximum${iou}`;
      status.dataset.iou = view.iou === undefined ? '' : String(view.iou);
      state = { sequence, classIndex, threshold, view };
    } catch (error) {
      status.className = 'wsol-w-status wsol-w-error';
      status.textContent = error instanceof Error ? error.message : String(error);
      state = { sequence, classIndex, threshold, error: status.textContent };
    }
    status.dataset.sequence = String(sequence);
    (root as HTMLElement & { wsolLabState?: ClassExplorerState }).wsolLabState = state;
  };
  const thresholdControl = numberControl(grid, { name: 'threshold', label: 'box threshold (× max)', min: 0, max: 1, step: 0.01, floor: 0 }, payload.threshold, update);
  list.addEventListener('change', update);
  const side = element('div', {}, [element('div', {}, ['classes (score)']), list, grid]);
  root.append(element('div', { class: 'wsol-w-row' }, [panel.figure, side]), status);
  update();
}
