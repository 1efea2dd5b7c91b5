#!/usr/bin/env zx
// npm run lab — set up whatever is missing, then serve JupyterLab on 127.0.0.1 in notebooks/
// with the wsol-lab kernel. Extra arguments go to `jupyter lab` (e.g. `npm run lab -- --port 8899`,
// or `-- --ServerApp.root_dir=/some/folder` to serve another folder instead of notebooks/).
// SIGTERM and SIGHUP are passed on to JupyterLab, which then stops its kernels and exits (also when
// they went to `npm`, whose shell does not pass them on); Ctrl-C reaches it from the terminal.
import { spawn } from 'node:child_process';
import { path } from 'zx';
import { ensureSetup, runOrExplain } from './lib/all.mjs';
import { root, jupyterEnv, kernelName } from './lib/paths.mjs';
import { venvBin } from './lib/jupyter.mjs';

await runOrExplain(ensureSetup);
const extra = process.argv.slice(3);
/** The user's own folder option, if any (Jupyter accepts each of these once). */
const ownRoot = extra.some((a) => /^--(ServerApp\.root_dir|ServerApp\.notebook_dir|notebook-dir|root-dir)(=|$)/.test(a));
const args = [
  'lab',
  '--ip=127.0.0.1',
  ...(ownRoot ? [] : [`--ServerApp.root_dir=${path.join(root, 'notebooks')}`]),
  `--MappingKernelManager.default_kernel_name=${kernelName}`,
  // Jupyter refuses to run as root without it (containers, CI machines).
  ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ...extra,
];
// No shell in between, so that signals reach JupyterLab itself.
const lab = spawn(venvBin('jupyter'), args, { env: jupyterEnv(), stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => lab.kill(signal));
// `npm run lab` runs this under a shell that npm signals, and the shell does not pass SIGTERM on:
// when the process that started this one goes away, JupyterLab is stopped too.
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) lab.kill('SIGTERM');
}, 1000);
// Ctrl-C goes to the whole process group: JupyterLab gets it from the terminal; wait for it.
process.on('SIGINT', () => undefined);
lab.on('error', (error) => {
  console.error(`[lab] could not start ${venvBin('jupyter')}: ${error.message}`);
  process.exit(1);
});
lab.on('exit', (code, signal) => {
  clearInterval(orphanCheck);
  process.exitCode = code ?? (signal ? 1 : 0);
});
