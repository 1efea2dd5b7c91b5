/**
 * Widget test fixtures (no vitest here: scripts use them too): a deterministic synthetic scene (a
 * textured disc on a gradient, its true mask, and a CAM-like blob off its centre), pages holding
 * widget outputs, Chromium opened offline with every request and script error recorded, and
 * snapshots of the widgets' state and canvases.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import type { MimeBundle } from '../../src/display/mime';
import type { CrfTunerParameters, Heatmap, RgbImage, WidgetPayload } from '../../src/types';
import { CHROMIUM } from '../helpers/notebooks';

export { CHROMIUM };

/** A scene: the image, the true mask (0/1) and a blurry map that covers the object roughly. */
export interface Scene {
  readonly image: RgbImage;
  readonly truth: Uint8Array;
  readonly heatmap: Heatmap;
  /** A second map, on the other side of the object (for a second class). */
  readonly other: Heatmap;
}

/** A small linear congruential generator, so scenes are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function blob(width: number, height: number, cx: number, cy: number, sigma: number): Heatmap {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
  }
  return { width, height, data };
}

/** The scene at `width × height`: disc of radius 0.28·min side, low contrast, noise ±40 grey levels. */
export function scene(width: number, height: number, seed = 7): Scene {
  const random = lcg(seed);
  const image = new Uint8Array(width * height * 3);
  const truth = new Uint8Array(width * height);
  const cx = 0.45 * width;
  const cy = 0.5 * height;
  const r = 0.28 * Math.min(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
      truth[p] = inside ? 1 : 0;
      const base = inside ? [150, 95, 80] : [70 + (100 * x) / width, 105, 90 + (80 * y) / height];
      for (let c = 0; c < 3; c++) image[p * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + 80 * (random() - 0.5))));
    }
  }
  const side = Math.min(width, height);
  return {
    image: { width, height, channels: 3, data: image },
    truth,
    heatmap: blob(width, height, cx + 0.08 * side, cy - 0.05 * side, 0.22 * side),
    other: blob(width, height, cx - 0.3 * side, cy + 0.25 * side, 0.12 * side),
  };
}

/** Writes an HTML page holding the `text/html` of each bundle, in order; returns its path. */
export function writePage(bundles: readonly MimeBundle[], name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-widgets-'));
  const file = path.join(dir, `${name}.html`);
  const body = bundles.map((b) => `<div class="output">${String(b['text/html'])}</div>`).join('\n');
  fs.writeFileSync(file, `<!doctype html>\n<html><head><meta charset="utf-8"><title>${name}</title></head><body>\n${body}\n</body></html>\n`);
  return file;
}

/** Launches Debian's Chromium headless (playwright-core, no browser download). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A page opened offline: script errors and every request that is not file:, data: or blob: are recorded. */
export interface OfflinePage {
  readonly page: Page;
  readonly errors: string[];
  readonly network: string[];
}

/** Opens `file` in a new page of `browser`, blocking (and recording) every network request. */
export async function openOffline(browser: Browser, file: string): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const network: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('requestfailed', (request) => errors.push(`failed to load ${request.url()}: ${request.failure()?.errorText}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!/^(file|data|blob):/.test(url)) network.push(url);
  });
  await page.route('**/*', (route) => (/^(file|data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, errors, network };
}

/** The payloads of the widget outputs in an HTML text (a page, an nbconvert export, an output). */
export function payloadsInHtml(html: string): WidgetPayload[] {
  const found: WidgetPayload[] = [];
  const pattern = /<script type="application\/json" id="[^"]*-data">([^<]*)<\/script>/g;
  for (let m = pattern.exec(html); m !== null; m = pattern.exec(html)) found.push(JSON.parse(m[1]) as WidgetPayload);
  return found;
}

/** A CRF tuner's state after a recompute, with the RGB pixels of its mask canvas. */
export interface TunerSnapshot {
  readonly sequence: number;
  readonly inWorker: boolean;
  readonly pending: boolean;
  readonly parameters: CrfTunerParameters;
  readonly mask: number[];
  readonly iou: number;
  readonly iouReadout: string;
  readonly status: string;
  readonly code: string;
  readonly canvas: number[];
  readonly error?: string;
}

/** The state of the tuner at `root` once it has done `sequence` recomputes and has none pending. */
export async function tunerSnapshot(page: Page, root: string, sequence: number, timeout = 60_000): Promise<TunerSnapshot> {
  await page.waitForFunction(
    ([selector, n]) => {
      const state = (document.querySelector(selector as string) as unknown as { wsolLabState?: { sequence: number; pending: boolean } } | null)?.wsolLabState;
      return state !== undefined && state.sequence >= (n as number) && !state.pending;
    },
    [root, sequence] as const,
    { timeout },
  );
  return page.evaluate((selector) => {
    const element = document.querySelector(selector) as unknown as HTMLElement & {
      wsolLabState: { sequence: number; inWorker: boolean; pending: boolean; parameters: CrfTunerParameters; result?: { mask: Uint8Array; iou: number }; error?: string };
    };
    const state = element.wsolLabState;
    const canvas = element.querySelector('.wsol-w-crf-mask canvas') as HTMLCanvasElement;
    const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const status = element.querySelector('[data-readout=status]') as HTMLElement;
    return {
      sequence: state.sequence,
      inWorker: state.inWorker,
      pending: state.pending,
      parameters: state.parameters,
      mask: Array.from(state.result?.mask ?? []),
      iou: state.result?.iou ?? NaN,
      iouReadout: status.dataset.iou ?? '',
      status: status.textContent ?? '',
      code: element.querySelector('[data-readout=code]')?.textContent ?? '',
      canvas: Array.from(rgba).filter((_, i) => i % 4 !== 3),
      error: state.error,
    };
  }, root);
}

/** The class explorer's state at `root`, with the RGB pixels of its map canvas. */
export async function explorerSnapshot(page: Page, root: string): Promise<{ sequence: number; classIndex: number; threshold: number; canvas: number[]; status: string; iou: string }> {
  await page.waitForFunction((selector) => (document.querySelector(selector) as unknown as { wsolLabState?: unknown } | null)?.wsolLabState !== undefined, root);
  return page.evaluate((selector) => {
    const element = document.querySelector(selector) as unknown as HTMLElement & { wsolLabState: { sequence: number; classIndex: number; threshold: number } };
    const canvas = element.querySelector('.wsol-w-class-map canvas') as HTMLCanvasElement;
    const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const status = element.querySelector('[data-readout=status]') as HTMLElement;
    const { sequence, classIndex, threshold } = element.wsolLabState;
    return { sequence, classIndex, threshold, canvas: Array.from(rgba).filter((_, i) => i % 4 !== 3), status: status.textContent ?? '', iou: status.dataset.iou ?? '' };
  }, root);
}

/** How many entries differ between two equally long arrays. */
export function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n + Math.abs(a.length - b.length);
}
