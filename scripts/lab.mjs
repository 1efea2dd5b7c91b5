#!/usr/bin/env zx
// npm run lab — set up whatever is missing, then serve JupyterLab on 127.0.0.1 in notebooks/
// with the wsol-lab kernel. Extra arguments go to `jupyter lab` (e.g. `npm run lab -- --port 8899`).
import { $, path } from 'zx';
import { ensureSetup, runOrExplain } from './lib/all.mjs';
import { root, jupyterEnv, kernelName } from './lib/paths.mjs';
import { venvBin } from './lib/jupyter.mjs';

await runOrExplain(ensureSetup);
const extra = process.argv.slice(3);
const args = [
  '--ip=127.0.0.1',
  `--ServerApp.root_dir=${path.join(root, 'notebooks')}`,
  `--MappingKernelManager.default_kernel_name=${kernelName}`,
  // Jupyter refuses to run as root without it (containers, CI machines).
  ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ...extra,
];
const lab = $({ env: jupyterEnv(), stdio: 'inherit', nothrow: true })`${venvBin('jupyter')} lab ${args}`;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => lab.kill(signal));
process.exitCode = (await lab).exitCode ?? 0;
