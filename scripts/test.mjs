#!/usr/bin/env zx
// npm test — set up whatever is missing, then run the whole vitest suite: unit tests, every
// notebook executed headless on the wsol-lab kernel, and the browser check of the rendered
// notebooks. Extra arguments go to vitest (e.g. `npm test -- test/crf`).
import { $ } from 'zx';
import { ensureSetup, runOrExplain } from './lib/all.mjs';
import { root, jupyterEnv } from './lib/paths.mjs';

const started = Date.now();
await runOrExplain(ensureSetup);
console.log(`[test] set-up checked in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const vitest = await $({ cwd: root, env: jupyterEnv(), stdio: 'inherit', nothrow: true })`npx vitest run ${process.argv.slice(3)}`;
console.log(`[test] finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exitCode = vitest.exitCode ?? 1;
