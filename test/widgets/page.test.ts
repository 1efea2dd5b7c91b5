/**
 * The widgets in a real browser (headless Chromium, offline): a page holding a CRF tuner (which
 * carries the page bundle) and a class explorer (which relies on it), as a notebook's outputs do.
 *
 * Moving a CRF control must change the mask and the IoU readout, and both must equal the kernel's
 * `refineCamWithCrf` + `maskIoU` for the same parameters **bit for bit** (tolerance 0: same mask
 * pixels, same IoU double; the drawn canvas equals the library's `overlayMask` + `outlineMask` of that mask).
 * Switching class must change the overlay to the library's `computeClassExplorer` picture. No
 * script error, no network request.
 */
import * as fs from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { classExplorerPayload, crfTunerPayload, pageBundle, tunerParameters, widgetBundle } from '../../src/index';
import { classExplorerInputs, crfTunerInputs } from '../../src/widgets/payload';
import { expectExplorerAgreesWithLibrary, expectTunerAgreesWithKernel } from './checks';
import {
  CHROMIUM,
  differing,
  explorerSnapshot,
  launchChromium,
  OfflinePage,
  openOffline,
  scene,
  tunerSnapshot,
  writePage,
} from './fixtures';

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
const tunerInputs = crfTunerInputs(crfTunerPayload(s.image, s.heatmap, { truth: s.truth }));
const explorerInputs = classExplorerInputs(classExplorerPayload(s.image, classes, { truthBox }));

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
    const first = await tunerSnapshot(p.page, '#tuner', 1);
    expect(first.inWorker).toBe(true);
    expect(first.parameters).toEqual(tunerParameters({}));
    expectTunerAgreesWithKernel(first, tunerInputs);

    // A slider: the colour kernel's width, from 13 to 4.
    await p.page.locator('#tuner input[type=range][data-param=bilateralSrgb]').fill('4');
    const second = await tunerSnapshot(p.page, '#tuner', first.sequence + 1);
    expect(second.parameters).toEqual({ ...first.parameters, bilateralSrgb: 4 });
    expect(differing(second.mask, first.mask), 'mask pixels changed by the slider').toBeGreaterThan(0);
    expect(second.iou).not.toBe(first.iou);
    expectTunerAgreesWithKernel(second, tunerInputs);

    // A free value typed into a field, beyond its slider's range, and the background switched.
    await p.page.locator('#tuner input[data-param-field=bilateralSxy]').fill('240');
    const third = await tunerSnapshot(p.page, '#tuner', second.sequence + 1);
    await p.page.locator('#tuner select[data-param=background]').selectOption('constant');
    const fourth = await tunerSnapshot(p.page, '#tuner', third.sequence + 1);
    expect(fourth.parameters).toMatchObject({ bilateralSxy: 240, background: 'constant', backgroundConstant: 0.5 });
    expectTunerAgreesWithKernel(fourth, tunerInputs);
    expect(fourth.code).toContain("background: 'constant', backgroundConstant: 0.5");

    // A value refineCamWithCrf rejects: the error is shown, the page survives.
    await p.page.locator('#tuner input[data-param-field=gaussianSxy]').fill('0');
    const bad = await tunerSnapshot(p.page, '#tuner', fourth.sequence + 1);
    expect(bad.error).toMatch(/sxy/);
  });

  it('the class explorer switches class and threshold in the page, as the library draws them', async () => {
    const first = await explorerSnapshot(p.page, '#explorer');
    expect(first.classIndex).toBe(0);
    const disc = expectExplorerAgreesWithLibrary(first, explorerInputs, 0.5);
    expect(disc.iou).toBeGreaterThan(0.3);

    await p.page.locator('#explorer select[data-param=class]').selectOption('1');
    const second = await explorerSnapshot(p.page, '#explorer');
    expect(second.classIndex).toBe(1);
    expect(differing(second.canvas, first.canvas), 'overlay pixels changed by the class').toBeGreaterThan(100);
    const corner = expectExplorerAgreesWithLibrary(second, explorerInputs, 0.5);
    expect(second.status).toContain(`IoU with the true box ${corner.iou!.toFixed(3)}`);

    await p.page.locator('#explorer input[type=range][data-param=threshold]').fill('0.6');
    const third = await explorerSnapshot(p.page, '#explorer');
    expect(third.threshold).toBe(0.6);
    const tighter = expectExplorerAgreesWithLibrary(third, explorerInputs, 0.5);
    const area = (b: { x0: number; y0: number; x1: number; y1: number }) => (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1);
    expect(area(tighter.box!)).toBeLessThan(area(corner.box!));
  });

  it('raised no script error and made no network request', () => {
    expect(p.errors).toEqual([]);
    expect(p.network).toEqual([]);
  });

  it('mounts a widget whose output renders before the one carrying the bundle, and computes without Web Workers', async () => {
    const bundle = await pageBundle();
    const file = writePage(
      [
        widgetBundle(classExplorerPayload(s.image, classes, { truthBox }), bundle, { id: 'explorer' }),
        widgetBundle(crfTunerPayload(s.image, s.heatmap, { truth: s.truth }), bundle, { includePageBundle: true, id: 'tuner' }),
      ],
      'widgets-late',
    );
    const context = await browser.newContext();
    await context.addInitScript(() => {
      delete (window as unknown as { Worker?: unknown }).Worker;
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`file://${file}`);
    expectExplorerAgreesWithLibrary(await explorerSnapshot(page, '#explorer'), explorerInputs, 0.5);
    const tuner = await tunerSnapshot(page, '#tuner', 1);
    expect(tuner.inWorker).toBe(false);
    expect(tuner.status).toContain('on the page thread: no Web Worker here');
    expectTunerAgreesWithKernel(tuner, tunerInputs);
    expect(errors).toEqual([]);
    await context.close();
  });
});
