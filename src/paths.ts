/**
 * File names given in a notebook are relative to the notebook's folder, the folder JupyterLab's file
 * browser shows, even though the kernel runs at the repository root (so that `./dist/index`
 * resolves). The kernel's launcher (jupyter/kernels/wsol-lab/launch.js) records the folder Jupyter
 * started it in as `WSOL_NOTEBOOK_DIR`; outside a notebook, paths are relative to the current
 * directory as usual.
 */
import * as path from 'path';

/** The folder relative file names are taken from: the notebook's folder, else the current directory. */
export function notebookFolder(): string {
  const folder = process.env.WSOL_NOTEBOOK_DIR;
  return folder !== undefined && folder !== '' ? folder : process.cwd();
}

/** `file` as an absolute path: unchanged when absolute, else taken from {@link notebookFolder}. */
export function resolveFromNotebook(file: string): string {
  return path.resolve(notebookFolder(), file);
}
