// The project's Jupyter: a Python venv with JupyterLab, nbclient, nbconvert and plotly, and the
// wsol-lab kernelspec (jupyter/kernels/wsol-lab, kept in the repo) registered in it.
import { $, fs, path } from 'zx';
import { root, venv, jupyterPath, kernelName, jupyterEnv, step, ok, SetupError } from './paths.mjs';

const requirements = path.join(root, 'scripts', 'requirements-jupyter.txt');
const stamp = path.join(venv, '.wsol-requirements');
export const venvBin = (name) => path.join(venv, 'bin', name);

async function venvIsCurrent() {
  if (!(await fs.pathExists(venvBin('jupyter-lab'))) || !(await fs.pathExists(stamp))) return false;
  return (await fs.readFile(stamp, 'utf8')) === (await fs.readFile(requirements, 'utf8'));
}

/** Creates or updates .venv with the pinned Jupyter packages; quick when already current. */
async function ensureVenv() {
  if (await venvIsCurrent()) {
    ok('python venv: .venv is current');
    return;
  }
  const started = Date.now();
  if (!(await fs.pathExists(venvBin('python')))) {
    step('creating the python venv .venv');
    const r = await $({ nothrow: true })`python3 -m venv ${venv}`.quiet();
    if (r.exitCode !== 0) {
      throw new SetupError(`python3 -m venv failed (is python3-venv installed?):\n${r.stderr.trim()}`);
    }
  }
  step('installing jupyterlab, nbclient, nbconvert and plotly into .venv with pip');
  const r = await $({ nothrow: true })`${venvBin('python')} -m pip install --disable-pip-version-check --retries 1 --timeout 30 -q -r ${requirements}`.quiet();
  if (r.exitCode !== 0) {
    throw new SetupError(`pip could not install ${path.relative(root, requirements)}:\n${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  await fs.copy(requirements, stamp);
  ok(`python venv ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Links the repo's kernelspec into the venv (so a plain `.venv/bin/jupyter lab` finds it too). */
async function registerKernel() {
  const spec = path.join(jupyterPath, 'kernels', kernelName);
  const link = path.join(venv, 'share', 'jupyter', 'kernels', kernelName);
  await fs.ensureDir(path.dirname(link));
  const current = await fs.readlink(link).catch(() => undefined);
  if (current !== spec) {
    await fs.remove(link);
    await fs.symlink(spec, link);
  }
  const r = await $({ env: jupyterEnv() })`${venvBin('jupyter')} kernelspec list --json`.quiet();
  const specs = JSON.parse(r.stdout).kernelspecs;
  if (!specs[kernelName]) throw new SetupError(`kernel '${kernelName}' is not visible to Jupyter after registration`);
  ok(`jupyter kernel '${kernelName}' registered (${spec})`);
}

/** Ensures the venv and the kernelspec. */
export async function ensureJupyter() {
  await ensureVenv();
  await registerKernel();
}
