/**
 * A JupyterLab driven by headless Chromium, for tests that check the notebooks where users run them.
 *
 * Usage (see test/jupyterlab.test.ts):
 *
 *   const lab = await startLab();                   // jupyter lab on a free loopback port, token, temp dirs
 *   const nb = await lab.openNotebook('cam.ipynb'); // a Chromium page showing the notebook
 *   await nb.runAll();                              // Run → Run All Cells, through the menu
 *   await nb.waitIdle();                            // every cell ran and the kernel is idle
 *   nb.errors(), nb.figureSizes(), nb.page …        // what the page shows; nb.page is playwright's Page
 *   await nb.close();                               // shuts the kernel down, closes the page
 *   await lab.stop();                               // stops the server and the browser, removes the temp dir
 *
 * Nothing is written into the repository: the notebooks are copied into a temporary folder that is
 * the server's root, and Jupyter's config, runtime, settings and workspace folders are temporary too
 * (autosave off, cell timing recorded). The server runs with `--LabApp.expose_app_in_browser`, so
 * the page's `window.jupyterapp` gives the notebook model (outputs, cell metadata) to the checks.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, ROOT } from './notebooks';

const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');

/** Why the JupyterLab check cannot run here, or undefined when it can. */
export function labProblem(): string | undefined {
  if (!fs.existsSync(JUPYTER)) return `no JupyterLab at ${JUPYTER}: run \`npm run setup\` (or \`npm test\`, which runs it)`;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}: \`apt-get install chromium\` (Debian) or set CHROMIUM_PATH`;
  return undefined;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Settings of the throw-away user: no autosave, cell timing on, no news or update checks. */
const LAB_SETTINGS: Record<string, object> = {
  '@jupyterlab/docmanager-extension/plugin.jupyterlab-settings': { autosave: false },
  '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': { recordTiming: true },
  '@jupyterlab/apputils-extension/notification.jupyterlab-settings': { fetchNews: 'false', checkForUpdates: false },
};

/** Plotly figures (JupyterLab's plotly renderer) and images (PNG outputs) among the outputs. */
const FIGURES = '.jp-OutputArea-output.js-plotly-plot, .jp-OutputArea-output.jp-RenderedImage img';

/** Size of a rendered output in CSS pixels, with what it is. */
export interface OutputSize {
  readonly cell: number;
  readonly kind: 'plotly' | 'image';
  readonly width: number;
  readonly height: number;
}

/** An error output of a cell (from the notebook model). */
export interface CellError {
  readonly cell: number;
  readonly text: string;
}

/** A notebook open in the lab. */
export interface LabNotebook {
  readonly page: Page;
  readonly name: string;
  /** Seconds from opening the notebook's page to its kernel's first idle (kernel start included). */
  readonly openSeconds: number;
  /** Run → Run All Cells through the menu bar. */
  runAll(): Promise<void>;
  /** Waits until no cell is queued or running and the kernel is idle. */
  waitIdle(timeoutMs?: number): Promise<void>;
  /** Error outputs and stderr streams of every cell. */
  errors(): Promise<CellError[]>;
  /** The outputs of cell `index` (0-based, markdown cells counted), as nbformat JSON. */
  outputs(index: number): Promise<Record<string, unknown>[]>;
  /** How many Plotly figures and PNG images the notebook model holds (what the page should show). */
  expectedFigureCount(): Promise<number>;
  /** Every Plotly figure and image of the outputs, scrolled into view one by one and measured. */
  figureSizes(): Promise<OutputSize[]>;
  /**
   * Seconds each code cell took, in code-cell order, from JupyterLab's recorded timing (kernel busy
   * → idle, a queued cell starting when the previous one ended); NaN when not run.
   */
  cellSeconds(): Promise<number[]>;
  /** Replaces the source of cell `index` (0-based, markdown cells counted) and runs it alone. */
  editAndRun(index: number, source: string): Promise<void>;
  /** Saves a full-page screenshot of the notebook (all cells) to `file`. */
  screenshot(file: string): Promise<void>;
  /** Shuts the kernel down and closes the page. */
  close(): Promise<void>;
}

/** A running JupyterLab with a browser attached. */
export interface Lab {
  readonly url: string;
  readonly token: string;
  /** The server's root: a temporary copy of notebooks/. */
  readonly root: string;
  readonly browser: Browser;
  /** Server output so far (for failure messages). */
  log(): string;
  openNotebook(name: string, viewport?: { width: number; height: number }): Promise<LabNotebook>;
  stop(): Promise<void>;
}

/** Options of {@link startLab}. */
export interface StartLabOptions {
  /** Folder whose .ipynb files are copied into the server's root. @default notebooks/ */
  readonly notebooks?: string;
  /** Extra environment variables for the server and its kernels. */
  readonly env?: Record<string, string>;
  /** Maximum wait for the server to answer. @default 60 s */
  readonly startTimeoutMs?: number;
}

async function waitForServer(url: string, token: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter lab exited with code ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`jupyter lab did not answer at ${url} within ${timeoutMs / 1000} s:\n${log()}`);
}

/**
 * Page config of the throw-away user: the debugger extension is off (the wsol-lab kernel has no
 * debugger, and the extension then rejects promises in the page, "No active debugger session").
 */
const PAGE_CONFIG = { disabledExtensions: { '@jupyterlab/debugger-extension': true } };

function writeSettings(dir: string): void {
  for (const [file, value] of Object.entries(LAB_SETTINGS)) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, JSON.stringify(value));
  }
}

/** Starts `jupyter lab` (project venv, wsol-lab kernel) and a headless Chromium. */
export async function startLab(options: StartLabOptions = {}): Promise<Lab> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-lab-jupyterlab-'));
  const root = path.join(temp, 'notebooks');
  fs.mkdirSync(root);
  const source = options.notebooks ?? path.join(ROOT, 'notebooks');
  for (const file of fs.readdirSync(source).filter((f) => f.endsWith('.ipynb'))) {
    fs.copyFileSync(path.join(source, file), path.join(root, file));
  }
  const dirs = { config: path.join(temp, 'config'), runtime: path.join(temp, 'runtime'), settings: path.join(temp, 'settings'), workspaces: path.join(temp, 'workspaces') };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
  writeSettings(dirs.settings);
  fs.mkdirSync(path.join(dirs.config, 'labconfig'));
  fs.writeFileSync(path.join(dirs.config, 'labconfig', 'page_config.json'), JSON.stringify(PAGE_CONFIG));
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  const jupyterPath = path.join(ROOT, 'jupyter');
  const env = {
    ...process.env,
    JUPYTER_PATH: process.env.JUPYTER_PATH?.includes(jupyterPath) ? process.env.JUPYTER_PATH : jupyterPath,
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTERLAB_SETTINGS_DIR: dirs.settings,
    JUPYTERLAB_WORKSPACES_DIR: dirs.workspaces,
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
    ...options.env,
  };
  const args = [
    'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${root}`,
    '--MappingKernelManager.default_kernel_name=wsol-lab', '--LabApp.expose_app_in_browser=True',
    '--LabApp.news_url=', '--ServerApp.disable_check_xsrf=False',
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ];
  let output = '';
  const child = spawn(JUPYTER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const log = () => output.split('\n').slice(-40).join('\n');
  let browser: Browser | undefined;
  const stopServer = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(undefined); }, 10_000);
        child.once('exit', () => { clearTimeout(timer); resolve(undefined); });
      });
    }
    fs.rmSync(temp, { recursive: true, force: true });
  };
  try {
    await waitForServer(url, token, child, log, options.startTimeoutMs ?? 60_000);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  } catch (error) {
    await browser?.close();
    await stopServer();
    throw error;
  }
  const theBrowser = browser;
  return {
    url, token, root, browser: theBrowser, log,
    openNotebook: (name, viewport) => openNotebook(theBrowser, url, token, name, viewport),
    async stop() {
      await theBrowser.close();
      await stopServer();
    },
  };
}

/** Code run in the page: the open notebook's model through the exposed app. */
type PageApp = {
  shell: { currentWidget: { content: { model: { cells: { length: number; get(i: number): { toJSON(): Record<string, unknown> } } } }; sessionContext: { session?: { kernel?: { status: string } } } } };
  commands: { execute(id: string, args?: object): Promise<unknown> };
};

/** Deletes the server's sessions of notebook `name` (their kernels stop). */
async function shutdownSessions(url: string, token: string, name: string): Promise<void> {
  const headers = { Authorization: `token ${token}` };
  const sessions = (await (await fetch(`${url}/api/sessions`, { headers })).json()) as { id: string; path: string }[];
  for (const session of sessions.filter((s) => s.path === name)) {
    await fetch(`${url}/api/sessions/${session.id}`, { method: 'DELETE', headers });
  }
}

async function openNotebook(browser: Browser, url: string, token: string, name: string, viewport = { width: 1400, height: 1000 }): Promise<LabNotebook> {
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Offline: only the server itself and data: URLs.
  await page.route('**/*', (route) => {
    const u = route.request().url();
    return u.startsWith(url) || u.startsWith('data:') || u.startsWith('blob:') ? route.continue() : route.abort();
  });
  const opened = Date.now();
  await page.goto(`${url}/lab/tree/${encodeURIComponent(name)}?reset&token=${token}`, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.waitForFunction(
    () => {
      const app = (window as unknown as { jupyterapp?: PageApp }).jupyterapp;
      const widget = app?.shell.currentWidget;
      return widget?.content?.model?.cells !== undefined && widget.sessionContext?.session?.kernel?.status === 'idle';
    },
    undefined,
    { timeout: 120_000, polling: 250 },
  );

  const cellsJson = () =>
    page.evaluate(() => {
      const model = (window as unknown as { jupyterapp: PageApp }).jupyterapp.shell.currentWidget.content.model;
      return Array.from({ length: model.cells.length }, (_, i) => model.cells.get(i).toJSON());
    }) as Promise<{ cell_type: string; source: string | string[]; outputs?: Record<string, unknown>[]; metadata?: { execution?: Record<string, string> }; execution_count?: number | null }[]>;

  const openSeconds = (Date.now() - opened) / 1000;
  const notebook: LabNotebook = {
    page,
    name,
    openSeconds,
    async runAll() {
      await page.click('.lm-MenuBar-itemLabel:text-is("Run")');
      await page.click('.lm-Menu-itemLabel:text-is("Run All Cells")');
    },
    async waitIdle(timeoutMs = 600_000) {
      // A cell is queued or running while its prompt shows [*]; then the kernel must be idle.
      await page.waitForFunction(
        () => {
          const app = (window as unknown as { jupyterapp: PageApp }).jupyterapp;
          const widget = app.shell.currentWidget;
          const busy = Array.from(document.querySelectorAll('.jp-InputPrompt')).some((p) => p.textContent?.includes('*'));
          return !busy && widget.sessionContext.session?.kernel?.status === 'idle';
        },
        undefined,
        { timeout: timeoutMs, polling: 500 },
      );
    },
    async errors() {
      const cells = await cellsJson();
      const found: CellError[] = pageErrors.map((text) => ({ cell: -1, text: `page error: ${text}` }));
      cells.forEach((cell, i) => {
        for (const output of cell.outputs ?? []) {
          if (output.output_type === 'error') {
            found.push({ cell: i, text: `${output.ename}: ${output.evalue}\n${((output.traceback as string[]) ?? []).join('\n')}` });
          } else if (output.output_type === 'stream' && output.name === 'stderr') {
            const text = Array.isArray(output.text) ? output.text.join('') : String(output.text);
            found.push({ cell: i, text: `stderr: ${text}` });
          }
        }
      });
      return found;
    },
    async outputs(index) {
      return (await cellsJson())[index]?.outputs ?? [];
    },
    async expectedFigureCount() {
      const cells = await cellsJson();
      let count = 0;
      for (const cell of cells) {
        for (const output of cell.outputs ?? []) {
          const data = (output.data ?? {}) as Record<string, unknown>;
          if (data['application/vnd.plotly.v1+json'] !== undefined || data['image/png'] !== undefined) count++;
        }
      }
      return count;
    },
    async figureSizes() {
      const count = await page.locator(FIGURES).count();
      const sizes: OutputSize[] = [];
      for (let k = 0; k < count; k++) {
        const element = page.locator(FIGURES).nth(k);
        // Not playwright's scrollIntoViewIfNeeded: it waits for a visible element, and a collapsed figure is what is checked.
        await element.evaluate((el) => el.scrollIntoView({ block: 'center' }));
        await page.waitForTimeout(150);
        sizes.push(
          await element.evaluate((el) => {
            const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
            const cell = cells.indexOf(el.closest('.jp-Cell') as Element);
            if (el.tagName === 'IMG') {
              const rect = el.getBoundingClientRect();
              return { cell, kind: 'image' as const, width: rect.width, height: rect.height };
            }
            // A figure is what its SVG shows (the output area around it can keep its size when the plot collapses).
            const svg = el.querySelector('.main-svg');
            const rect = svg?.getBoundingClientRect() ?? { width: 0, height: 0 };
            return { cell, kind: 'plotly' as const, width: rect.width, height: rect.height };
          }),
        );
      }
      return sizes;
    },
    async cellSeconds() {
      // tslab reports busy for a queued request at once, so a cell starts when the previous one ended.
      let previousEnd = -Infinity;
      return (await cellsJson())
        .filter((c) => c.cell_type === 'code')
        .map((c) => {
          const t = c.metadata?.execution;
          const busy = Date.parse(t?.['iopub.status.busy'] ?? '');
          const end = Date.parse(t?.['iopub.status.idle'] ?? '');
          if (!(busy > 0 && end > 0)) return NaN;
          const seconds = (end - Math.max(busy, previousEnd)) / 1000;
          previousEnd = end;
          return seconds;
        });
    },
    async editAndRun(index, source) {
      const cell = page.locator('.jp-Notebook .jp-Cell').nth(index);
      await cell.scrollIntoViewIfNeeded();
      const editor = cell.locator('.cm-content');
      await editor.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(source);
      await page.keyboard.press('Control+Enter');
      // The prompt shows [*] once the execution is queued.
      await page.waitForTimeout(500);
    },
    async screenshot(file) {
      // The notebook scrolls inside the page: make the window as tall as the notebook, shoot its panel.
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
      const scroller = '.jp-NotebookPanel .jp-WindowedPanel-outer';
      const tall = await page.evaluate((s) => {
        const el = document.querySelector(s);
        if (!el) return 0;
        el.scrollTo(0, 0);
        return el.scrollHeight - el.clientHeight;
      }, scroller);
      await page.setViewportSize({ width: viewport.width, height: Math.min(viewport.height + tall + 40, 12_000) });
      await page.waitForTimeout(1500);
      // Down to the last cell, not the empty space JupyterLab keeps below it.
      const clip = await page.evaluate(() => {
        const panel = document.querySelector('.jp-NotebookPanel')!.getBoundingClientRect();
        const cells = document.querySelectorAll('.jp-NotebookPanel .jp-Cell');
        const bottom = cells.length ? cells[cells.length - 1].getBoundingClientRect().bottom : panel.bottom;
        return { x: panel.x, y: panel.y, width: panel.width, height: Math.min(panel.height, bottom - panel.y + 16) };
      });
      await page.screenshot({ path: file, clip });
      await page.setViewportSize(viewport);
      await page.waitForTimeout(500);
    },
    async close() {
      await page.close();
      await shutdownSessions(url, token, name);
    },
  };
  return notebook;
}
