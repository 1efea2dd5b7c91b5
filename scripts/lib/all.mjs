// Everything `npm run lab` and `npm test` need, each step skipped when already done.
import { ensureNativeBackend } from './native.mjs';
import { ensureJupyter } from './jupyter.mjs';
import { SetupError, step, ok } from './paths.mjs';
import libraryBuild from './library-build.cjs';

/** Compiles src/ into dist/ (what notebooks import) when src/ changed since the last build. */
export function ensureLibrary() {
  let result;
  try {
    result = libraryBuild.ensureLibraryBuild({ log: step });
  } catch (error) {
    throw new SetupError(error.message);
  }
  if (result.diagnostics.length > 0) console.warn(`[setup] src/ has type errors (dist/ was compiled anyway):\n${result.diagnostics.join('\n')}`);
  ok(result.built ? `library compiled into dist/ in ${result.seconds.toFixed(0)} s` : 'library: dist/ is current');
}

/** Runs the whole set-up; the native backend is skipped when WSOL_BACKEND forces another one. */
export async function ensureSetup() {
  const forced = (process.env.WSOL_BACKEND ?? '').trim().toLowerCase();
  if (forced && forced !== 'tensorflow') step(`WSOL_BACKEND=${forced}: skipping the native backend set-up`);
  else await ensureNativeBackend();
  await ensureJupyter();
  ensureLibrary();
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
