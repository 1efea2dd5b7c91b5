// Paths and small helpers shared by the set-up scripts.
import { fileURLToPath } from 'node:url';
import { path, fs, chalk } from 'zx';

/** Repository root (scripts/lib/ is two levels below it). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The project's Python virtual environment (ignored by git). */
export const venv = path.join(root, '.venv');
/** Folder holding the project's kernelspec; Jupyter finds it through JUPYTER_PATH. */
export const jupyterPath = path.join(root, 'jupyter');
/** Name of the project's Jupyter kernel. */
export const kernelName = 'wsol-lab';
/** Scratch space for downloads (ignored by git). */
export const cacheDir = path.join(root, '.cache');

/** Environment for every Jupyter command of the project. */
export function jupyterEnv(extra = {}) {
  const sep = path.delimiter;
  const current = process.env.JUPYTER_PATH;
  return {
    ...process.env,
    JUPYTER_PATH: current ? `${jupyterPath}${sep}${current}` : jupyterPath,
    TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
    ...extra,
  };
}

export const step = (msg) => console.log(chalk.cyan(`[setup] ${msg}`));
export const ok = (msg) => console.log(chalk.green(`[setup] ${msg}`));

/** Error for a set-up step that cannot be completed, with what to do about it. */
export class SetupError extends Error {}

export async function exists(p) {
  return fs.pathExists(p);
}
