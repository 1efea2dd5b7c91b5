/**
 * Every notebook in notebooks/ runs headless on the wsol-lab kernel (nbclient), then its HTML export
 * (nbconvert, lab template) is opened in headless Chromium: every Plotly figure must render and no
 * script error may occur; the live widgets (src/widgets/) are exercised there too (a CRF slider
 * moved, a class switched: test/widgets/checks.ts). Screenshots go to test-output/screenshots/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  CHROMIUM,
  OUTPUT_DIR,
  SCREENSHOT_DIR,
  countPlotlyOutputs,
  describeFailure,
  harnessProblem,
  listNotebooks,
  runNotebook,
} from './helpers/notebooks';
import { exerciseWidgets, widgetsInHtml } from './widgets/checks';

const problem = harnessProblem();
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && !inCi) {
  console.warn(
    `[browser check] skipped: no Chromium at ${CHROMIUM}. Enable it with \`apt-get install chromium\` ` +
      '(Debian) or set CHROMIUM_PATH.',
  );
}

describe.skipIf(problem !== undefined && !inCi)('notebooks', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (problem) throw new Error(problem);
    if (!haveChromium) {
      if (inCi) throw new Error(`CI needs Chromium at ${CHROMIUM} (.ci/run installs it with apt)`);
      return;
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const file of listNotebooks()) {
    const name = path.basename(file, '.ipynb');

    it(`${name}.ipynb executes headless without errors`, () => {
      const run = runNotebook(file);
      if (!run.ok) throw new Error(describeFailure(file, run));
      console.log(`[notebook] ${name}.ipynb executed in ${run.seconds.toFixed(1)} s`);
      expect(fs.existsSync(path.join(OUTPUT_DIR, `${name}.html`))).toBe(true);
    }, 600_000);

    it.skipIf(!haveChromium && !inCi)(`${name}.html renders in Chromium with every Plotly figure`, async () => {
      const html = path.join(OUTPUT_DIR, `${name}.html`);
      expect(fs.existsSync(html), `${html} missing: the notebook did not execute`).toBe(true);
      const expected = countPlotlyOutputs(path.join(OUTPUT_DIR, `${name}.ipynb`));
      const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
      const scriptErrors: string[] = [];
      page.on('pageerror', (error) => scriptErrors.push(error.message));
      // Offline by design: only the file itself and data: URLs may load (no CDN: require.js is not needed, MathJax is local).
      await page.route('**/*', (route) => {
        const url = route.request().url();
        return url.startsWith('file:') || url.startsWith('data:') ? route.continue() : route.abort();
      });
      await page.goto('file://' + html, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForFunction(
        (n) => document.querySelectorAll('.wsol-plot .main-svg').length >= n,
        expected,
        { timeout: 60_000 },
      ).catch(() => undefined);
      // Let MathJax (local, see helpers) finish typesetting before the screenshot.
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const hub = (window as unknown as { MathJax?: { Hub?: { Queue(fn: () => void): void } } }).MathJax?.Hub;
            if (!hub) return resolve();
            hub.Queue(() => resolve());
            setTimeout(resolve, 20_000);
          }),
      );
      const rendered = await page.evaluate(() => ({
        divs: document.querySelectorAll('.wsol-plot').length,
        plots: Array.from(document.querySelectorAll('.wsol-plot')).filter((d) => d.querySelector('.main-svg')).length,
        hasPlotly: typeof (window as unknown as { Plotly?: unknown }).Plotly === 'object',
      }));
      const widgets = widgetsInHtml(fs.readFileSync(html, 'utf8'));
      for (const line of await exerciseWidgets(page, widgets)) console.log(`[browser] ${name}.html: ${line}`);
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
      await page.close();
      console.log(`[browser] ${name}.html: ${rendered.plots}/${expected} Plotly figures rendered, ${scriptErrors.length} script errors`);
      expect(scriptErrors, `script errors in ${name}.html`).toEqual([]);
      expect(rendered.divs).toBe(expected);
      expect(rendered.plots).toBe(expected);
      if (expected > 0) expect(rendered.hasPlotly).toBe(true);
    }, 180_000);
  }
});
