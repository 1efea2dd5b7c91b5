/**
 * Explicit choice of the TensorFlow.js backend.
 *
 * Importing this library never picks a backend. Call {@link initBackend} once, before the first
 * tensor is made: it tries the native TensorFlow backend (`@tensorflow/tfjs-node`), then
 * WebAssembly (`@tensorflow/tfjs-backend-wasm`), then plain JavaScript (`cpu`), and reports which
 * one is active and why. The environment variable `WSOL_BACKEND` (`tensorflow`, `wasm` or `cpu`)
 * forces one; a forced backend that cannot start is an error, never a silent fallback.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/** The backends this library knows how to start, fastest first. */
export const BACKEND_ORDER = ['tensorflow', 'wasm', 'cpu'] as const;

/** Name of a TensorFlow.js backend this library can start. */
export type BackendName = (typeof BACKEND_ORDER)[number];

/** One backend that was tried and could not be started. */
export interface BackendAttempt {
  readonly name: BackendName;
  readonly error: string;
}

/** What {@link initBackend} did. */
export interface BackendReport {
  /** The active backend. */
  readonly name: BackendName;
  /** Why it was chosen, in one sentence. */
  readonly reason: string;
  /** Backends tried before it, with the error each gave. */
  readonly failed: readonly BackendAttempt[];
  /** Versions of the tfjs packages in use. */
  readonly versions: Readonly<Record<string, string>>;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backend to force. Overrides the search order, like `WSOL_BACKEND`.
   * @default process.env.WSOL_BACKEND, else undefined (search tensorflow → wasm → cpu)
   */
  readonly backend?: BackendName;
  /** Suppress TensorFlow's C++ start-up log lines. @default true */
  readonly quietNative?: boolean;
}

let lastReport: BackendReport | undefined;

/** Parses a backend name, throwing an error that lists the valid names. */
export function parseBackendName(value: string): BackendName {
  const name = value.trim().toLowerCase();
  if ((BACKEND_ORDER as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(
    `Unknown backend '${value}' (from WSOL_BACKEND or options.backend): expected one of ${BACKEND_ORDER.join(', ')}.`,
  );
}

function loadNativeBackend(quiet: boolean): void {
  if (quiet && process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('@tensorflow/tfjs-node');
}

function loadWasmBackend(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dist + path.sep);
}

async function tryBackend(name: BackendName, quiet: boolean): Promise<void> {
  if (name === 'tensorflow') loadNativeBackend(quiet);
  if (name === 'wasm') loadWasmBackend();
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') did not activate it`);
  await tf.ready();
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

/**
 * Starts the fastest available TensorFlow.js backend, or the one forced by `options.backend` or
 * the `WSOL_BACKEND` environment variable, and reports the choice.
 *
 * @example
 * ```ts
 * const report = await initBackend();   // { name: 'tensorflow', reason: 'first available of …' }
 * ```
 * @throws Error when a forced backend cannot start, naming the backend and the cause.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const quiet = options.quietNative ?? true;
  const envValue = process.env.WSOL_BACKEND;
  const forced =
    options.backend ?? (envValue !== undefined && envValue.trim() !== '' ? parseBackendName(envValue) : undefined);
  const versions = { ...tf.version } as Record<string, string>;

  if (forced !== undefined) {
    const source = options.backend !== undefined ? 'options.backend' : 'WSOL_BACKEND';
    try {
      await tryBackend(forced, quiet);
    } catch (error) {
      throw new Error(`Backend '${forced}' was forced by ${source} but could not start: ${describe(error)}`);
    }
    lastReport = { name: forced, reason: `forced by ${source}=${forced}`, failed: [], versions };
    return lastReport;
  }

  const failed: BackendAttempt[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      await tryBackend(name, quiet);
      const reason =
        failed.length === 0
          ? `first of ${BACKEND_ORDER.join(' → ')}`
          : `first that started of ${BACKEND_ORDER.join(' → ')} (${failed.map((f) => f.name).join(', ')} failed)`;
      lastReport = { name, reason, failed, versions };
      return lastReport;
    } catch (error) {
      failed.push({ name, error: describe(error) });
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`);
}

/** The report of the last successful {@link initBackend}, or undefined before it ran. */
export function backendReport(): BackendReport | undefined {
  return lastReport;
}
