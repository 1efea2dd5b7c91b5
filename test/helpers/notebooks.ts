/**
 * Test helpers: execute a notebook on the wsol-lab kernel (nbclient, in the project's venv) and
 * open its HTML export in headless Chromium.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const OUTPUT_DIR = path.join(ROOT, 'test-output', 'notebooks');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-output', 'screenshots');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const RUNNER = path.join(ROOT, 'scripts', 'run_notebook.py');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The notebooks under notebooks/, sorted by name. */
export function listNotebooks(): string[] {
  const dir = path.join(ROOT, 'notebooks');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface NotebookRun {
  readonly ok: boolean;
  readonly seconds: number;
  readonly cell?: number;
  readonly source?: string;
  readonly error?: string;
  readonly stderr: string;
}

/** Why the notebook harness cannot run at all, or undefined when it can. */
export function harnessProblem(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `no Python venv at ${PYTHON}: run \`npm run setup\` (or \`npm test\`, which runs it)`;
  if (!process.env.JUPYTER_PATH?.includes(path.join(ROOT, 'jupyter'))) {
    return 'JUPYTER_PATH does not include the repo\'s jupyter/ folder: run the suite with `npm test`';
  }
  return undefined;
}

/** Executes a notebook headless; writes the executed .ipynb and its .html under OUTPUT_DIR. */
export function runNotebook(file: string, timeoutSeconds = 300): NotebookRun {
  // A local MathJax (devDependency) renders the formulas of the HTML export without network.
  const mathjax = path.join(ROOT, 'node_modules', 'mathjax', 'MathJax.js');
  const mathjaxArgs = fs.existsSync(mathjax) ? ['--mathjax', `file://${mathjax}?config=TeX-AMS_CHTML-full,Safe`] : [];
  const r = spawnSync(PYTHON, [RUNNER, file, OUTPUT_DIR, '--timeout', String(timeoutSeconds), ...mathjaxArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(lastLine) as Omit<NotebookRun, 'stderr'>), stderr: r.stderr ?? '' };
  } catch {
    return { ok: false, seconds: 0, error: `runner failed (exit ${r.status}): ${r.stderr}`, stderr: r.stderr ?? '' };
  }
}

/** A failure message naming the notebook, the failing cell's source and the error. */
export function describeFailure(file: string, run: NotebookRun): string {
  return [
    `notebook ${path.relative(ROOT, file)} failed in cell ${run.cell} (counting from 1, markdown included):`,
    '--- cell source ---',
    run.source ?? '(unknown)',
    '--- error ---',
    run.error ?? '(none)',
  ].join('\n');
}

/** Number of Plotly figures among a notebook's outputs. */
export function countPlotlyOutputs(executedNotebook: string): number {
  const nb = JSON.parse(fs.readFileSync(executedNotebook, 'utf8')) as {
    cells: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  let count = 0;
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) if (output.data?.['application/vnd.plotly.v1+json']) count++;
  }
  return count;
}
