/**
 * The widgets in a real browser (headless Chromium, offline): a page holding a CRF tuner (which
 * carries the page bundle) and a class explorer (which relies on it), as a notebook's outputs do.
 *
 * Moving a CRF control must change the mask and the IoU readout, and both must equal the kernel's
 * `refineCamWithCrf` + `maskIoU` for the same parameters **bit for bit** (tolerance 0: same mask
 * pixels, same IoU double; the drawn canvas equals the library's `overlayMask` of that mask).
 * Switching class must change the overlay to the library's `computeClassExplorer` picture. No
 * script error, no network request.
 */
import * as fs from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  classExplorerPayload,
  computeClassExplorer,
  CrfTunerParameters,
  crfOptionsLiteral,
  crfTunerPayload,
  maskIoU,
  overlayMask,
  pageBundle,
  refineCamWithCrf,
  tunerParameters,
  widgetBundle,
} from '../../src/index';
import { CRF_MASK_COLOR, MASK_ALPHA, maskAsHeatmap } from '../../src/widgets/crf-tuner-compute';
import { classExplorerInputs } from '../../src/widgets/payload';
import { CHROMIUM, launchChromium, OfflinePage, openOffline, scene, writePage } from './fixtures';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && !inCi) console.warn(`[widgets browser check] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

const W = 96;
const H = 80;
const s = scene(W, H);
const truthBox = { x0: Math.round(0.45 * W - 0.28 * H), y0: Math.round(0.22 * H), x1: Math.round(0.45 * W + 0.28 * H), y1: Math.round(0.78 * H) };
const classes = [
  { name: 'disc', score: 0.71, heatmap: s.heatmap },
  { name: 'corner', score: 0.22, heatmap: s.other },
];

interface TunerSnapshot {
  sequence: number;
  inWorker: boolean;
  parameters: CrfTunerParameters;
  mask: number[];
  iou: number;
  iouReadout: string;
  status: string;
  code: string;
  canvas: number[];
  error?: string;
}

/** The tuner's state after its `sequence`-th recompute, with the mask canvas's RGB pixels. */
async function tunerAfter(p: OfflinePage, sequence: number): Promise<TunerSnapshot> {
  await p.page.waitForFunction(
    (n) => ((document.getElementById('tuner') as unknown as { wsolLabState?: { sequence: number } }).wsolLabState?.sequence ?? 0) >= n,
    sequence,
    { timeout: 60_000 },
  );
  return p.page.evaluate(() => {
    const root = document.getElementById('tuner') as unknown as HTMLElement & {
      wsolLabState: { sequence: number; inWorker: boolean; parameters: CrfTunerParameters; result?: { mask: Uint8Array; iou: number }; error?: string };
    };
    const state = root.wsolLabState;
    const canvas = root.querySelector('.wsol-w-crf-mask canvas') as HTMLCanvasElement;
    const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const status = root.querySelector('[data-readout=status]') as HTMLElement;
    return {
      sequence: state.sequence,
      inWorker: state.inWorker,
      parameters: state.parameters,
      mask: Array.from(state.result?.mask ?? []),
      iou: state.result?.iou ?? NaN,
      iouReadout: status.dataset.iou ?? '',
      status: status.textContent ?? '',
      code: root.querySelector('[data-readout=code]')?.textContent ?? '',
      canvas: Array.from(rgba).filter((_, i) => i % 4 !== 3),
      error: state.error,
    };
  });
}

/** The kernel's mask and IoU for `parameters`. */
function kernelResult(parameters: CrfTunerParameters): { mask: number[]; iou: number; overlay: number[] } {
  const [mask] = refineCamWithCrf(s.image, s.heatmap, parameters).masks;
  const iou = maskIoU(maskAsHeatmap(mask, W, H), { width: W, height: H, data: s.truth }, 0.5);
  return { mask: Array.from(mask), iou, overlay: Array.from(overlayMask(s.image, mask, CRF_MASK_COLOR, MASK_ALPHA).data) };
}

function differing(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function expectAgreesWithKernel(snapshot: TunerSnapshot): void {
  expect(snapshot.error).toBeUndefined();
  const kernel = kernelResult(snapshot.parameters);
  expect(differing(snapshot.mask, kernel.mask), 'mask pixels that differ from the kernel').toBe(0);
  expect(snapshot.iou).toBe(kernel.iou);
  expect(Number(snapshot.iouReadout)).toBe(kernel.iou);
  expect(snapshot.status).toContain(`IoU with the true mask ${kernel.iou.toFixed(3)}`);
  expect(differing(snapshot.canvas, kernel.overlay), 'canvas pixels that differ from overlayMask').toBe(0);
  expect(snapshot.code).toBe(crfOptionsLiteral(snapshot.parameters));
}

describe.skipIf(!haveChromium && !inCi)('widgets in Chromium', () => {
  let browser: Browser;
  let p: OfflinePage;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI needs Chromium at ${CHROMIUM} (.ci/run installs it with apt)`);
    const bundle = await pageBundle();
    const file = writePage(
      [
        widgetBundle(crfTunerPayload(s.image, s.heatmap, { truth: s.truth, title: 'tuner' }), bundle, { includePageBundle: true, id: 'tuner' }),
        widgetBundle(classExplorerPayload(s.image, classes, { truthBox }), bundle, { id: 'explorer' }),
      ],
      'widgets',
    );
    browser = await launchChromium();
    p = await openOffline(browser, file);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the CRF tuner computes in a Web Worker what the kernel computes, and follows its controls', async () => {
    const first = await tunerAfter(p, 1);
    expect(first.inWorker).toBe(true);
    expect(first.parameters).toEqual(tunerParameters({}));
    expectAgreesWithKernel(first);

    // A slider: the colour kernel's width, from 13 to 4.
    await p.page.locator('#tuner input[type=range][data-param=bilateralSrgb]').fill('4');
    const second = await tunerAfter(p, first.sequence + 1);
    expect(second.parameters).toEqual({ ...first.parameters, bilateralSrgb: 4 });
    expect(differing(second.mask, first.mask), 'mask pixels changed by the slider').toBeGreaterThan(0);
    expect(second.iou).not.toBe(first.iou);
    expectAgreesWithKernel(second);

    // A free value typed into a field, beyond its slider's range, and the background switched.
    await p.page.locator('#tuner input[data-param-field=bilateralSxy]').fill('240');
    const third = await tunerAfter(p, second.sequence + 1);
    await p.page.locator('#tuner select[data-param=background]').selectOption('constant');
    const fourth = await tunerAfter(p, third.sequence + 1);
    expect(fourth.parameters).toMatchObject({ bilateralSxy: 240, background: 'constant', backgroundConstant: 0.5 });
    expectAgreesWithKernel(fourth);
    expect(fourth.code).toContain("background: 'constant', backgroundConstant: 0.5");

    // A value refineCamWithCrf rejects: the error is shown, the page survives.
    await p.page.locator('#tuner input[data-param-field=gaussianSxy]').fill('0');
    const bad = await tunerAfter(p, fourth.sequence + 1);
    expect(bad.error).toMatch(/sxy/);
  });

  it('the class explorer switches class and threshold in the page, as the library draws them', async () => {
    const inputs = classExplorerInputs(classExplorerPayload(s.image, classes, { truthBox }));
    const read = () =>
      p.page.evaluate(() => {
        const root = document.getElementById('explorer') as unknown as HTMLElement & { wsolLabState: { sequence: number; classIndex: number; threshold: number } };
        const canvas = root.querySelector('.wsol-w-class-map canvas') as HTMLCanvasElement;
        const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const status = root.querySelector('[data-readout=status]') as HTMLElement;
        return { ...root.wsolLabState, canvas: Array.from(rgba).filter((_, i) => i % 4 !== 3), status: status.textContent ?? '', iou: status.dataset.iou ?? '' };
      });
    const expectLibrary = (view: Awaited<ReturnType<typeof read>>) => {
      const library = computeClassExplorer(inputs, view.classIndex, view.threshold, 0.5);
      expect(differing(view.canvas, Array.from(library.picture.data))).toBe(0);
      expect(Number(view.iou)).toBe(library.iou);
      return library;
    };
    const first = await read();
    expect(first.classIndex).toBe(0);
    const disc = expectLibrary(first);
    expect(disc.iou).toBeGreaterThan(0.3);

    await p.page.locator('#explorer select[data-param=class]').selectOption('1');
    const second = await read();
    expect(second.classIndex).toBe(1);
    expect(differing(second.canvas, first.canvas), 'overlay pixels changed by the class').toBeGreaterThan(100);
    const corner = expectLibrary(second);
    expect(second.status).toContain(`IoU with the true box ${corner.iou!.toFixed(3)}`);

    await p.page.locator('#explorer input[type=range][data-param=threshold]').fill('0.6');
    const third = await read();
    expect(third.threshold).toBe(0.6);
    const tighter = expectLibrary(third);
    expect((tighter.box!.x1 - tighter.box!.x0) * (tighter.box!.y1 - tighter.box!.y0)).toBeLessThan(
      (corner.box!.x1 - corner.box!.x0) * (corner.box!.y1 - corner.box!.y0),
    );
  });

  it('raised no script error and made no network request', () => {
    expect(p.errors).toEqual([]);
    expect(p.network).toEqual([]);
  });
});
