#!/usr/bin/env zx
// npm run setup — native TensorFlow backend, Python venv with Jupyter, the wsol-lab kernel.
import { ensureSetup, runOrExplain } from './lib/all.mjs';

await runOrExplain(ensureSetup);
