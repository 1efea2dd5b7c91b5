/**
 * The widgets where users run them: a small notebook (the cam_crf image and CAM of cam-default, a
 * CRF tuner, a class explorer over the top-5 classes) run in JupyterLab in headless Chromium
 * (harness: test/helpers/jupyterlab.ts), then:
 *
 * - a CRF slider dragged with the mouse: the mask and the IoU readout change, and equal the
 *   kernel's `refineCamWithCrf` / `maskIoU` on the output's own payload bit for bit (tolerance 0);
 * - another class picked in the explorer: the overlay changes to the library's picture;
 * - the notebook saved and the page reloaded: the widgets mount again from the saved, trusted
 *   outputs and still agree with the kernel;
 * - its nbconvert HTML export opened offline: the same;
 * - no page error, no request outside the Jupyter server.
 * Screenshots go to test-output/widgets/.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ClassExplorerPayload, CrfTunerPayload } from '../../src/types';
import { classExplorerInputs, crfTunerInputs } from '../../src/widgets/payload';
import { Lab, LabNotebook, labProblem, startLab } from '../helpers/jupyterlab';
import { ROOT } from '../helpers/notebooks';
import { expectExplorerAgreesWithLibrary, expectTunerAgreesWithKernel } from './checks';
import { differing, explorerSnapshot, openOffline, payloadsInHtml, tunerSnapshot } from './fixtures';

const SHOTS = path.join(ROOT, 'test-output', 'widgets');
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const problem = labProblem();
if (problem && !inCi) console.warn(`[widgets jupyterlab check] skipped: ${problem}`);

const TUNER = '.jp-OutputArea-output .wsol-widget[data-kind=crf-tuner]';
const EXPLORER = '.jp-OutputArea-output .wsol-widget[data-kind=class-explorer]';
const NAME = 'widgets.ipynb';

const CELLS = [
  `import { initBackend, load, loadExample, topK, cam, classMaps, showCrfTuner, showClassExplorer } from './dist/index';
await initBackend();
const { model, manifest, preprocess } = await load('cam-default');
const example = await loadExample({ split: 'test', index: 11, size: manifest.inputSize[1] });
const input = preprocess(example.image);
const [top] = await topK(model, input, 5);
const [map] = await cam(model, input, { target: example.truth!.classIndex });`,
  `await showCrfTuner(example.image, map, { truth: example.truth!.mask, title: 'CRF tuner' });`,
  `await showClassExplorer(example.image, await classMaps(model, input, cam, top, manifest.classes), { truthBox: example.truth!.box, title: 'class explorer' });`,
];

function notebookJson(): string {
  return JSON.stringify({
    cells: CELLS.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'wsol-lab', display_name: 'wsol-lab (TypeScript)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** The widget payloads among the open notebook's outputs. */
async function payloads(nb: LabNotebook): Promise<{ tuner: CrfTunerPayload; explorer: ClassExplorerPayload }> {
  const html = (await Promise.all(CELLS.map((_, i) => nb.outputs(i))))
    .flat()
    .map((o) => (o.data as Record<string, string | string[]> | undefined)?.['text/html'] ?? '')
    .map((t) => (Array.isArray(t) ? t.join('') : t))
    .join('\n');
  const found = payloadsInHtml(html);
  return {
    tuner: found.find((p): p is CrfTunerPayload => p.kind === 'crf-tuner')!,
    explorer: found.find((p): p is ClassExplorerPayload => p.kind === 'class-explorer')!,
  };
}

/** Drags the thumb of a range input from its value's position to `fraction` of its width, with the mouse. */
async function dragSlider(page: Page, selector: string, fraction: number): Promise<void> {
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

/** Both widgets on `page` agree with the kernel on `nb`'s payloads, as first mounted. */
async function expectMountedAndAgreeing(page: Page, tuner: string, explorer: string, inputs: Awaited<ReturnType<typeof payloads>>): Promise<void> {
  const snapshot = await tunerSnapshot(page, tuner, 1, 120_000);
  expect(snapshot.inWorker).toBe(true);
  expectTunerAgreesWithKernel(snapshot, crfTunerInputs(inputs.tuner));
  expectExplorerAgreesWithLibrary(await explorerSnapshot(page, explorer), classExplorerInputs(inputs.explorer), inputs.explorer.alpha);
}

describe.skipIf(problem !== undefined && !inCi)('widgets in JupyterLab', () => {
  let lab: Lab | undefined;
  let folder: string;

  beforeAll(async () => {
    if (problem) throw new Error(`the widgets' JupyterLab check must run in CI: ${problem}`);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-widgets-nb-'));
    fs.writeFileSync(path.join(folder, NAME), notebookJson());
    lab = await startLab({ notebooks: folder });
  }, 180_000);

  afterAll(async () => {
    await lab?.stop();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('a dragged CRF slider and a class switch recompute in the page, as the kernel computes; saved, reloaded and exported they still work', async () => {
    const nb = await lab!.openNotebook(NAME);
    const outside: string[] = [];
    nb.page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(lab!.url) && !/^(data|blob):/.test(url)) outside.push(url);
    });
    try {
      await nb.runAll();
      await nb.waitIdle();
      expect(await nb.errors(), 'errors after Run All').toEqual([]);
      const inputs = await payloads(nb);
      expect(inputs.tuner && inputs.explorer, 'both widget outputs').toBeTruthy();
      const first = await tunerSnapshot(nb.page, TUNER, 1, 120_000);
      expect(first.inWorker).toBe(true);
      expectTunerAgreesWithKernel(first, crfTunerInputs(inputs.tuner));

      await dragSlider(nb.page, `${TUNER} input[type=range][data-param=bilateralSrgb]`, 0.02);
      const dragged = await tunerSnapshot(nb.page, TUNER, first.sequence + 1);
      const sliderValue = Number(await nb.page.locator(`${TUNER} input[type=range][data-param=bilateralSrgb]`).inputValue());
      expect(dragged.parameters.bilateralSrgb).toBe(sliderValue);
      expect(sliderValue).toBeLessThan(5);
      expect(differing(dragged.mask, first.mask), 'mask pixels changed by the drag').toBeGreaterThan(0);
      expect(dragged.iouReadout).not.toBe(first.iouReadout);
      expectTunerAgreesWithKernel(dragged, crfTunerInputs(inputs.tuner));
      console.log(`[widgets] JupyterLab: drag to srgb ${sliderValue}: IoU ${first.iou.toFixed(3)} → ${dragged.iou.toFixed(3)}; ${dragged.status}`);

      const explorerInputs = classExplorerInputs(inputs.explorer);
      const before = await explorerSnapshot(nb.page, EXPLORER);
      expectExplorerAgreesWithLibrary(before, explorerInputs, inputs.explorer.alpha);
      await nb.page.locator(`${EXPLORER} select[data-param=class]`).selectOption('2');
      const switched = await explorerSnapshot(nb.page, EXPLORER);
      expect(switched.classIndex).toBe(2);
      expect(differing(switched.canvas, before.canvas), 'overlay pixels changed by the class').toBeGreaterThan(100);
      expectExplorerAgreesWithLibrary(switched, explorerInputs, inputs.explorer.alpha);
      fs.mkdirSync(SHOTS, { recursive: true });
      await nb.page.locator(TUNER).screenshot({ path: path.join(SHOTS, 'crf-tuner-jupyterlab.png') });
      await nb.page.locator(EXPLORER).screenshot({ path: path.join(SHOTS, 'class-explorer-jupyterlab.png') });

      // Saved (the server signs it: trusted), then the page reloaded: the outputs' scripts run again.
      await nb.page.evaluate(() => (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('docmanager:save'));
      await nb.page.waitForTimeout(1000);
      await nb.page.reload({ waitUntil: 'domcontentloaded' });
      await expectMountedAndAgreeing(nb.page, TUNER, EXPLORER, inputs);

      // nbconvert's HTML export of the saved notebook, opened offline.
      const html = path.join(folder, 'widgets.html');
      // MathJax from node_modules, as the notebooks' HTML check does: the template's default is a CDN.
      const mathjax = `--HTMLExporter.mathjax_url=file://${path.join(ROOT, 'node_modules', 'mathjax', 'MathJax.js')}?config=TeX-AMS_CHTML-full,Safe`;
      const args = ['nbconvert', '--to', 'html', '--template', 'lab', mathjax, '--output-dir', folder, path.join(lab!.root, NAME)];
      const exported = spawnSync(path.join(ROOT, '.venv', 'bin', 'jupyter'), args, { encoding: 'utf8' });
      expect(exported.status, `nbconvert: ${exported.stderr}`).toBe(0);
      const page = await openOffline(lab!.browser, html);
      await expectMountedAndAgreeing(page.page, '.wsol-widget[data-kind=crf-tuner]', '.wsol-widget[data-kind=class-explorer]', inputs);
      await page.page.locator('input[type=range][data-param=bilateralCompat]').fill('2');
      const exportedTuner = await tunerSnapshot(page.page, '.wsol-widget[data-kind=crf-tuner]', 2);
      expectTunerAgreesWithKernel(exportedTuner, crfTunerInputs(inputs.tuner));
      // The lab template always links require.js from a CDN (nothing here needs it): blocked, and the only request.
      const template = (url: string) => /\/require\.js\/[\d.]+\/require\.min\.js/.test(url);
      expect(page.errors.filter((e) => !template(e.replace(/^failed to load (\S+):.*$/, '$1'))), 'script errors in the HTML export').toEqual([]);
      expect(page.network.filter((url) => !template(url)), 'network requests from the HTML export').toEqual([]);
      await page.page.close();

      expect(await nb.errors(), 'errors at the end (page errors included)').toEqual([]);
      expect(outside, 'requests outside the Jupyter server').toEqual([]);
    } catch (error) {
      fs.mkdirSync(SHOTS, { recursive: true });
      await nb.page.screenshot({ path: path.join(SHOTS, 'jupyterlab-failure.png'), fullPage: true }).catch(() => undefined);
      throw error;
    } finally {
      await nb.close();
    }
  }, 600_000);
});
