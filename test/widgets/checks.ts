/**
 * Checks of the widgets in any page that shows their outputs — a notebook's HTML export, a
 * JupyterLab page — against the kernel's own functions on each output's payload:
 *
 * - CRF tuner: as mounted, then after a slider move (dragged with the mouse or set), the mask, the
 *   IoU readout and the canvas equal `refineCamWithCrf` / `maskIoU` / `shadeMask` bit for bit,
 *   and the move changed the mask (and the IoU, when there is a truth);
 * - class explorer: as mounted, then after switching to another class, the canvas and IoU equal
 *   `computeClassExplorer`'s, and the switch changed the picture.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { refineCamWithCrf } from '../../src/crf/refine-cam';
import { maskIoU } from '../../src/metrics/maskIoU';
import type { WidgetPayload } from '../../src/types';
import { ClassExplorerInputs, ClassExplorerView, computeClassExplorer } from '../../src/widgets/class-explorer-compute';
import { CRF_MASK_COLOR, crfOptionsLiteral, CrfTunerInputs, maskAsHeatmap, shadeMask } from '../../src/widgets/crf-tuner-compute';
import { classExplorerInputs, crfTunerInputs } from '../../src/widgets/payload';
import { differing, explorerSnapshot, TunerSnapshot, tunerSnapshot } from './fixtures';

/** A widget output: its element id and payload. */
export interface WidgetOutput {
  readonly id: string;
  readonly payload: WidgetPayload;
}

/**
 * The widget outputs in an HTML text, in order: each payload's `<script type="application/json"
 * id="<widget id>-data">` (attributes in any order: nbconvert re-serialises HTML outputs).
 */
export function widgetsInHtml(html: string): WidgetOutput[] {
  const found: WidgetOutput[] = [];
  const pattern = /<script(?=[^>]*\btype="application\/json")(?=[^>]*\bid="(wsol-widget-[^"]+)-data")[^>]*>([^<]*)<\/script>/g;
  for (let m = pattern.exec(html); m !== null; m = pattern.exec(html)) found.push({ id: m[1], payload: JSON.parse(m[2]) as WidgetPayload });
  return found;
}

/** Drags a range input's thumb from its current value to `fraction` of its width with the mouse. */
export async function dragSlider(page: Page, selector: string, fraction: number): Promise<void> {
  const slider = page.locator(selector);
  await slider.scrollIntoViewIfNeeded();
  const box = (await slider.boundingBox())!;
  const { value, min, max } = await slider.evaluate((el) => {
    const input = el as HTMLInputElement;
    return { value: Number(input.value), min: Number(input.min), max: Number(input.max) };
  });
  const y = box.y + box.height / 2;
  const from = box.x + ((value - min) / (max - min)) * box.width;
  const to = box.x + fraction * box.width;
  await page.mouse.move(from, y);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) {
    await page.mouse.move(from + ((to - from) * k) / 8, y);
    await page.waitForTimeout(30);
  }
  await page.mouse.up();
}

/** Options of {@link exerciseWidgets}. */
export interface ExerciseOptions {
  /** Drag the CRF slider with the mouse (else set its value, as a keyboard would). @default false */
  readonly drag?: boolean;
  /** Longest wait for a widget to mount and compute. @default 120 s */
  readonly timeout?: number;
}

/** Runs the checks of the module comment on every widget; returns one line per widget for the log. */
export async function exerciseWidgets(page: Page, widgets: readonly WidgetOutput[], options: ExerciseOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  for (const { id, payload } of widgets) {
    const root = `#${id}`;
    await page.locator(root).scrollIntoViewIfNeeded();
    if (payload.kind === 'crf-tuner') {
      const inputs = crfTunerInputs(payload);
      const first = await tunerSnapshot(page, root, 1, options.timeout ?? 120_000);
      expect(first.inWorker, 'the tuner computes in a Web Worker').toBe(true);
      expectTunerAgreesWithKernel(first, inputs);
      const slider = `${root} input[type=range][data-param=bilateralSrgb]`;
      if (options.drag) await dragSlider(page, slider, 0.02);
      else await page.locator(slider).fill('3');
      const moved = await tunerSnapshot(page, root, first.sequence + 1);
      expect(moved.parameters.bilateralSrgb).toBe(Number(await page.locator(slider).inputValue()));
      expect(moved.parameters.bilateralSrgb).toBeLessThan(first.parameters.bilateralSrgb);
      expect(differing(moved.mask, first.mask), 'mask pixels changed by the slider').toBeGreaterThan(0);
      if (inputs.truth) expect(moved.iouReadout, 'the IoU readout changed').not.toBe(first.iouReadout);
      expectTunerAgreesWithKernel(moved, inputs);
      lines.push(`CRF tuner ${payload.width}×${payload.height}: srgb ${first.parameters.bilateralSrgb} → ${moved.parameters.bilateralSrgb}, IoU ${first.iou.toFixed(3)} → ${moved.iou.toFixed(3)}; ${moved.status}`);
    } else {
      const inputs = classExplorerInputs(payload);
      const first = await explorerSnapshot(page, root);
      expectExplorerAgreesWithLibrary(first, inputs, payload.alpha);
      const other = (first.classIndex + 1) % payload.classes.length;
      await page.locator(`${root} select[data-param=class]`).selectOption(String(other));
      const switched = await explorerSnapshot(page, root);
      expect(switched.classIndex).toBe(other);
      expect(differing(switched.canvas, first.canvas), 'overlay pixels changed by the class').toBeGreaterThan(0);
      expectExplorerAgreesWithLibrary(switched, inputs, payload.alpha);
      lines.push(`class explorer (${payload.classes.length} classes): '${payload.classes[first.classIndex].name}' → '${payload.classes[other].name}'; ${switched.status}`);
    }
  }
  return lines;
}

/**
 * Checks a tuner snapshot against the kernel's functions on the same inputs: the mask of
 * `refineCamWithCrf` (every pixel), the IoU of `maskIoU` (the same double, in the state and the
 * readout), the canvas = `shadeMask` of that mask, and the copy-as-code text.
 */
export function expectTunerAgreesWithKernel(snapshot: TunerSnapshot, inputs: CrfTunerInputs): void {
  expect(snapshot.error).toBeUndefined();
  const { width, height } = inputs.image;
  const [mask] = refineCamWithCrf(inputs.image, inputs.heatmap, snapshot.parameters).masks;
  expect(differing(snapshot.mask, mask), 'mask pixels that differ from the kernel').toBe(0);
  expect(differing(snapshot.canvas, shadeMask(inputs.image, mask, CRF_MASK_COLOR).data), 'canvas pixels that differ from shadeMask').toBe(0);
  if (inputs.truth) {
    const iou = maskIoU(maskAsHeatmap(mask, width, height), inputs.truth, 0.5);
    expect(snapshot.iou).toBe(iou);
    expect(Number(snapshot.iouReadout)).toBe(iou);
    expect(snapshot.status).toContain(`IoU with the true mask ${iou.toFixed(3)}`);
  }
  expect(snapshot.code).toBe(crfOptionsLiteral(snapshot.parameters));
}

/** Checks an explorer snapshot against `computeClassExplorer` on the same inputs; returns the library's view. */
export function expectExplorerAgreesWithLibrary(
  snapshot: { classIndex: number; threshold: number; canvas: number[]; iou: string },
  inputs: ClassExplorerInputs,
  alpha: number,
): ClassExplorerView {
  const library = computeClassExplorer(inputs, snapshot.classIndex, snapshot.threshold, alpha);
  expect(differing(snapshot.canvas, library.picture.data), 'overlay pixels that differ from computeClassExplorer').toBe(0);
  if (library.iou !== undefined) expect(Number(snapshot.iou)).toBe(library.iou);
  return library;
}

/** The widget outputs a page shows (their payload scripts in the DOM), in document order. */
export async function widgetsInDom(page: Page): Promise<WidgetOutput[]> {
  const found = await page.evaluate(() =>
    Array.from(document.querySelectorAll('script[type="application/json"][id^="wsol-widget-"][id$="-data"]')).map((s) => ({
      id: s.id.slice(0, -'-data'.length),
      json: s.textContent ?? '',
    })),
  );
  const seen = new Set<string>();
  return found.filter((w) => !seen.has(w.id) && seen.add(w.id)).map((w) => ({ id: w.id, payload: JSON.parse(w.json) as WidgetPayload }));
}
