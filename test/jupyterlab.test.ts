/**
 * The JupyterLab check: every notebook opened in JupyterLab (the project's venv, the wsol-lab
 * kernel) in headless Chromium, run with Run → Run All Cells, then checked the way a user sees it:
 * no error output, every Plotly figure and image with a visible size, still visible after the window
 * is resized; the live widgets of cam, cam_crf and gradcam used (a CRF slider dragged, a class
 * switched: the page agrees with the kernel), cam_crf's again after saving and reloading; in
 * gradcam the class cell changed and re-run alone after Run All. Prints the first cell's time.
 * Screenshots go to test-output/jupyterlab/. The harness is test/helpers/jupyterlab.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, LabNotebook, OutputSize, labProblem, startLab } from './helpers/jupyterlab';
import { ROOT, listNotebooks } from './helpers/notebooks';
import { exerciseWidgets, widgetsInDom } from './widgets/checks';

const SHOTS = path.join(ROOT, 'test-output', 'jupyterlab');
/** Smallest width and height, in CSS pixels, that counts as visible for a figure or an image. */
const VISIBLE = 40;
/** The window: a laptop's browser. */
const VIEWPORT = { width: 1280, height: 720 };
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const problem = labProblem();
if (problem && !inCi) console.warn(`[jupyterlab check] skipped: ${problem}`);

function invisible(sizes: readonly OutputSize[]): OutputSize[] {
  return sizes.filter((s) => !(s.width >= VISIBLE && s.height >= VISIBLE));
}

/** Every figure the model holds is on the page with a visible size. */
async function expectFiguresVisible(nb: LabNotebook, when: string): Promise<void> {
  const expected = await nb.expectedFigureCount();
  const sizes = await nb.figureSizes();
  expect(sizes.length, `${nb.name} ${when}: figures on the page vs in the notebook's outputs`).toBe(expected);
  expect(invisible(sizes), `${nb.name} ${when}: figures or images without a visible size`).toEqual([]);
}

/** Resizes the window through several widths, as dragging its edge does, from the top of the notebook. */
async function resizeInSteps(nb: LabNotebook, widths: readonly number[]): Promise<void> {
  await nb.page.evaluate(() => document.querySelector('.jp-WindowedPanel-outer')?.scrollTo(0, 0));
  for (const width of widths) {
    await nb.page.setViewportSize({ width, height: VIEWPORT.height });
    await nb.page.waitForTimeout(300);
  }
  await nb.page.waitForTimeout(1000);
}

/** Text of a cell's outputs (markdown and plain text). */
async function outputText(nb: LabNotebook, cell: number): Promise<string> {
  return (await nb.outputs(cell))
    .map((o) => {
      const data = (o.data ?? {}) as Record<string, string | string[]>;
      const text = data['text/markdown'] ?? data['text/plain'] ?? o.text ?? '';
      return Array.isArray(text) ? text.join('') : String(text);
    })
    .join('\n');
}

/**
 * The live widgets (src/widgets/): a CRF slider dragged with the mouse, a class switched; the page's
 * masks, boxes and IoUs must equal the kernel's for the same parameters (test/widgets/checks.ts).
 */
async function checkWidgets(nb: LabNotebook): Promise<void> {
  const widgets = await widgetsInDom(nb.page);
  expect(widgets.length, `${nb.name}: widget outputs on the page`).toBeGreaterThan(0);
  for (const line of await exerciseWidgets(nb.page, widgets, { drag: true })) console.log(`[jupyterlab] ${nb.name}: ${line}`);
  // The README's pictures of the widgets (npm run screenshots).
  for (const { id, payload } of widgets) {
    await nb.page.locator(`#${id}`).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await nb.page.locator(`#${id}`).screenshot({ path: path.join(SHOTS, `widget-${payload.kind}-${path.basename(nb.name, '.ipynb')}.png`) });
  }
}

/**
 * cam_crf, last: the notebook saved (the server signs it: trusted) and the page reloaded; the
 * tuner mounts again from the saved outputs and still agrees with the kernel.
 */
async function checkWidgetsAfterReload(nb: LabNotebook): Promise<void> {
  await nb.page.evaluate(() => (window as unknown as { jupyterapp: { commands: { execute(id: string): Promise<unknown> } } }).jupyterapp.commands.execute('docmanager:save'));
  await nb.page.waitForTimeout(1000);
  await nb.page.reload({ waitUntil: 'domcontentloaded' });
  // Scrolled to the end: a windowed notebook view renders only the cells near the viewport.
  const scrolledWidgets = async () => {
    await nb.page.evaluate(() => document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook')?.scrollTo(0, 1e9));
    return (await widgetsInDom(nb.page)).length;
  };
  await expect.poll(scrolledWidgets, { message: `${nb.name}: widgets after reloading the saved notebook`, timeout: 120_000 }).toBeGreaterThan(0);
  await checkWidgets(nb);
}

/** gradcam: after Run All, another class in the class cell, that cell re-run alone. */
async function checkClassChange(nb: LabNotebook): Promise<void> {
  const cells = await nb.page.evaluate(() =>
    Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map((c) => c.querySelector('.cm-content')?.textContent ?? ''),
  );
  const classCell = cells.findIndex((text) => text.includes('const CLASS'));
  expect(classCell, 'gradcam: the cell defining CLASS').toBeGreaterThan(0);
  const summary = await outputText(nb, classCell - 2);
  const second = /Top-3: [^,]+ [\d.]+ %, ([^,]+?) [\d.]+ %/.exec(summary)?.[1];
  expect(second, `gradcam: the second class in "${summary}"`).toBeTruthy();
  const source = cells[classCell].replace(/const CLASS: string \| undefined = [^;]*;/, `const CLASS: string | undefined = '${second}';`);
  expect(source).toContain(`'${second}'`);
  await nb.editAndRun(classCell, source);
  await nb.waitIdle();
  expect(await nb.errors(), 'gradcam: errors after re-running the class cell').toEqual([]);
  const titles = await nb.page
    .locator('.jp-Notebook .jp-Cell')
    .nth(classCell)
    .locator('.js-plotly-plot')
    .evaluate((el) => ((el as unknown as { layout: { annotations: { text: string }[] } }).layout.annotations ?? []).map((a) => a.text));
  expect(titles, 'gradcam: the figure is redrawn for the new class').toContain(`Grad-CAM: ${second}`);
  await expectFiguresVisible(nb, 'after re-running the class cell');
}

/** Run after every other check of a notebook (they may leave the page in another state). */
const LAST: Record<string, (nb: LabNotebook) => Promise<void>> = {
  cam_crf: checkWidgetsAfterReload,
};

const EXTRA: Record<string, (nb: LabNotebook) => Promise<void>> = {
  cam: checkWidgets,
  cam_crf: checkWidgets,
  gradcam: async (nb) => {
    await checkWidgets(nb);
    await checkClassChange(nb);
  },
};

/** Names, sizes and modification times under notebooks/ (checkpoints included). */
function notebooksFolderState(): string[] {
  const dir = path.join(ROOT, 'notebooks');
  return fs.readdirSync(dir, { recursive: true }).map((name) => {
    const stat = fs.statSync(path.join(dir, String(name)));
    return `${name} ${stat.size} ${stat.mtimeMs}`;
  }).sort();
}

describe.skipIf(problem !== undefined && !inCi)('JupyterLab', () => {
  let lab: Lab | undefined;
  const before = notebooksFolderState();

  beforeAll(async () => {
    if (problem) throw new Error(`the JupyterLab check must run in CI: ${problem}`);
    lab = await startLab();
  }, 180_000);

  afterAll(async () => {
    await lab?.stop();
  });

  for (const file of listNotebooks()) {
    const name = path.basename(file, '.ipynb');
    it(`${name}.ipynb: Run All in JupyterLab, figures visible, resizable${EXTRA[name] ? ', interactive' : ''}`, async () => {
      const nb = await lab!.openNotebook(`${name}.ipynb`, VIEWPORT);
      try {
        const started = Date.now();
        await nb.runAll();
        await nb.waitIdle();
        const seconds = await nb.cellSeconds();
        console.log(
          `[jupyterlab] ${name}.ipynb: opened with its kernel in ${nb.openSeconds.toFixed(1)} s; Run All ${((Date.now() - started) / 1000).toFixed(1)} s, first cell ${seconds[0].toFixed(1)} s` +
            ` (cells: ${seconds.map((t) => t.toFixed(1)).join(', ')})`,
        );
        expect(await nb.errors(), `${name}: error outputs after Run All`).toEqual([]);
        await expectFiguresVisible(nb, 'after Run All');
        await nb.screenshot(path.join(SHOTS, `${name}.png`));
        await EXTRA[name]?.(nb);
        await resizeInSteps(nb, [1200, 1100, 1000, 900]);
        await expectFiguresVisible(nb, 'after narrowing the window to 900 px');
        await resizeInSteps(nb, [1000, 1100, 1200, VIEWPORT.width]);
        await expectFiguresVisible(nb, `after widening the window back to ${VIEWPORT.width} px`);
        expect(await nb.errors(), `${name}: error outputs at the end`).toEqual([]);
        await LAST[name]?.(nb);
      } catch (error) {
        await nb.page.screenshot({ path: path.join(SHOTS, `${name}-failure.png`), fullPage: true }).catch(() => undefined);
        throw error;
      } finally {
        await nb.close();
      }
      expect(notebooksFolderState(), 'nothing written into notebooks/').toEqual(before);
    }, 900_000);
  }
});
