// Everything `npm run lab` and `npm test` need, each step skipped when already done.
import { ensureNativeBackend } from './native.mjs';
import { ensureJupyter } from './jupyter.mjs';
import { SetupError, step } from './paths.mjs';

/** Runs the whole set-up; the native backend is skipped when WSOL_BACKEND forces another one. */
export async function ensureSetup() {
  const forced = (process.env.WSOL_BACKEND ?? '').trim().toLowerCase();
  if (forced && forced !== 'tensorflow') step(`WSOL_BACKEND=${forced}: skipping the native backend set-up`);
  else await ensureNativeBackend();
  await ensureJupyter();
}

/** Runs `fn`, turning a SetupError into a one-paragraph message and exit code 1. */
export async function runOrExplain(fn) {
  try {
    await fn();
  } catch (error) {
    console.error(error instanceof SetupError ? `[setup] ${error.message}` : error);
    process.exit(1);
  }
}
