/**
 * In-page recompute time of the CRF tuner (showCrfTuner) in headless Chromium, for the notebook's
 * image (cam_crf.ipynb: benchmark test #11, 128×128, its CAM on cam-default) and a 500×375 photo
 * (assets/backgrounds/polyhaven_forest.png resized, with a CAM-like Gaussian blob), default parameters.
 *
 * Each round moves the bilateral srgb slider (13 ↔ 12.5, so each is a real recompute) and times:
 *  - compute: `refineCamWithCrf` + IoU + overlay in the page's Web Worker (the readout's figure);
 *  - visible: from the slider's input event to the new mask on the canvas (what a user waits for).
 * The kernel's `refineCamWithCrf` on the same inputs is timed between page rounds (interleaved),
 * with the CRF's default thread count. Medians of ROUNDS rounds (default 15) after one warm-up.
 *
 *   npm run bench:widgets        # or: ROUNDS=25 npx tsx scripts/bench-widgets.ts
 */
import * as os from 'os';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import {
  cam,
  crfThreads,
  crfTunerPayload,
  Heatmap,
  initBackend,
  load,
  loadExample,
  ObjectMask,
  pageBundle,
  refineCamWithCrf,
  RgbImage,
  widgetBundle,
} from '../src/index';
import { launchChromium, openOffline, writePage } from '../test/widgets/fixtures';

const ROUNDS = Math.max(3, Number(process.env.ROUNDS ?? 15));

interface Case {
  readonly name: string;
  readonly image: RgbImage;
  readonly heatmap: Heatmap;
  readonly truth?: ObjectMask;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function notebookCase(): Promise<Case> {
  await initBackend();
  const { model, manifest, preprocess } = await load('cam-default');
  const example = await loadExample({ split: 'test', index: 11, size: manifest.inputSize[1] });
  const input = preprocess(example.image);
  const [heatmap] = await cam(model, input, { target: example.truth!.classIndex });
  input.dispose();
  const truth = { width: heatmap.width, height: heatmap.height, data: example.truth!.mask };
  return { name: `${example.image.width}×${example.image.height} (cam_crf.ipynb's image and CAM)`, image: example.image, heatmap, truth };
}

async function photoCase(width: number, height: number): Promise<Case> {
  const { data } = await sharp('assets/backgrounds/polyhaven_forest.png').resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const map = new Float32Array(width * height);
  const sigma = 0.2 * Math.min(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) map[y * width + x] = Math.exp(-((x - 0.55 * width) ** 2 + (y - 0.5 * height) ** 2) / (2 * sigma * sigma));
  }
  return { name: `${width}×${height} (a photo, blob map)`, image: { width, height, channels: 3, data: new Uint8Array(data) }, heatmap: { width, height, data: map } };
}

/**
 * Moves the srgb slider to `value` and resolves with the worker's compute time and the visible
 * latency. Page code as text: tsx would wrap named functions in a helper the page lacks.
 */
const MOVE_SLIDER = `(v) => new Promise((resolve, reject) => {
  const root = document.querySelector('.wsol-widget');
  const slider = root.querySelector('input[type=range][data-param=bilateralSrgb]');
  const before = root.wsolLabState ? root.wsolLabState.sequence : 0;
  const started = performance.now();
  slider.value = String(v);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  const poll = () => {
    const state = root.wsolLabState;
    // This move's own result: newer than before the move, for value v, nothing queued behind it.
    if (!state || state.sequence <= before || state.parameters.bilateralSrgb !== v || state.pending) return setTimeout(poll, 1);
    if (state.error || !state.result) return reject(new Error(state.error || 'no result'));
    requestAnimationFrame(() => resolve({ compute: state.result.milliseconds, visible: performance.now() - started }));
  };
  poll();
})`;

function moveSlider(page: Page, value: number): Promise<{ compute: number; visible: number }> {
  return page.evaluate(`(${MOVE_SLIDER})(${value})`) as Promise<{ compute: number; visible: number }>;
}

async function main(): Promise<void> {
  const cases = [await notebookCase(), await photoCase(500, 375)];
  const bundle = await pageBundle();
  const browser = await launchChromium();
  console.log(`CRF tuner recompute, default CamCrfOptions, ${ROUNDS} rounds after a warm-up; kernel on ${crfThreads()} thread(s); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| image | in-page compute (Web Worker) | visible (slider → new mask) | first slider move (cold JIT) | kernel refineCamWithCrf |');
  console.log('|---|---|---|---|---|');
  try {
    for (const c of cases) {
      const page = await openOffline(browser, writePage([widgetBundle(crfTunerPayload(c.image, c.heatmap, c.truth ? { truth: c.truth.data } : {}), bundle, { includePageBundle: true })], 'bench'));
      await page.page.waitForFunction(() => {
        const state = (document.querySelector('.wsol-widget') as unknown as { wsolLabState?: { pending: boolean } }).wsolLabState;
        return state !== undefined && !state.pending;
      });
      const first = await moveSlider(page.page, 12.5);
      const compute: number[] = [];
      const visible: number[] = [];
      const kernel: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const t = await moveSlider(page.page, r % 2 ? 12.5 : 13);
        compute.push(t.compute);
        visible.push(t.visible);
        const started = performance.now();
        refineCamWithCrf(c.image, c.heatmap, { bilateralSrgb: r % 2 ? 12.5 : 13 });
        kernel.push(performance.now() - started);
      }
      if (page.errors.length || page.network.length) throw new Error(`page errors ${page.errors.join('; ')}; network ${page.network.join(', ')}`);
      const ms = (v: number) => `${v.toFixed(0)} ms`;
      console.log(`| ${c.name} | ${ms(median(compute))} | ${ms(median(visible))} | ${ms(first.compute)} | ${ms(median(kernel))} |`);
      await page.page.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
