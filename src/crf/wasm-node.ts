/**
 * Node.js glue of the WebAssembly dense CRF (wasm-crf.ts): reads and compiles the committed
 * `kernels-shared.wasm` once, runs kernel calls on the CRF's worker threads (threads.ts), and
 * chooses the implementation: `WSOL_CRF=wasm` forces the WebAssembly kernels (an error when they
 * cannot load), `WSOL_CRF=ts` the TypeScript reference; unset, the kernels are used when this
 * runtime can instantiate them (WebAssembly SIMD, shared memory), else the CRF warns once with
 * the reason and runs the TypeScript implementation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WasmTask } from './loops';
import { crfThreads, runOnThreads } from './threads';
import { WasmCrf, WasmThreads } from './wasm-crf';

/** Which implementation a new dense CRF uses. */
export type CrfImplementation = 'ts' | 'wasm';

/** The compiled kernels, or why they could not be compiled. */
let compiled: { readonly module: WebAssembly.Module } | { readonly error: string } | undefined;
let warned = false;

/** Where the committed kernels live (next to this file). */
export const CRF_WASM_FILE = path.join(__dirname, 'wasm', 'kernels-shared.wasm');

function compile(): { readonly module: WebAssembly.Module } | { readonly error: string } {
  if (compiled === undefined) {
    try {
      const module = new WebAssembly.Module(fs.readFileSync(CRF_WASM_FILE));
      // Instantiating once checks what compiling does not: shared memory.
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor);
      new WebAssembly.Instance(module, { env: { memory } });
      compiled = { module };
    } catch (error) {
      compiled = { error: `${CRF_WASM_FILE}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return compiled;
}

/**
 * The implementation new CRFs use (see the module comment).
 *
 * @throws Error when `WSOL_CRF` is neither `ts` nor `wasm`, or is `wasm` and the kernels cannot load.
 */
export function crfImplementation(): CrfImplementation {
  const forced = process.env.WSOL_CRF ?? '';
  if (forced !== '' && forced !== 'ts' && forced !== 'wasm') {
    throw new Error(`WSOL_CRF must be 'ts' or 'wasm', got '${forced}'`);
  }
  if (forced === 'ts') return 'ts';
  const result = compile();
  if ('module' in result) return 'wasm';
  if (forced === 'wasm') throw new Error(`WSOL_CRF=wasm: the WebAssembly dense CRF cannot load: ${result.error}`);
  if (!warned) {
    warned = true;
    console.warn(`dense CRF: WebAssembly kernels unavailable (${result.error}); using the TypeScript implementation`);
  }
  return 'ts';
}

/** Runs kernel calls on the CRF's threads: calls[0] here, calls[t] on worker t. */
const workerThreads: WasmThreads = {
  get count() {
    return crfThreads();
  },
  run(module, memory, calls, runHere): void {
    const tasks: WasmTask[] = [];
    for (let t = 1; t < calls.length; t++) if (calls[t].length > 0) tasks.push({ kind: 'wasm', module, memory, calls: calls[t] });
    runOnThreads(() => runHere(calls[0]), tasks, { buffers: undefined });
  },
  release(): void {
    collectOnWorkers();
  },
};

/** ES2021's FinalizationRegistry (the project's TypeScript lib is ES2020). */
declare class FinalizationRegistry<T> {
  constructor(cleanup: (held: T) => void);
  register(target: object, held: T): void;
}

/** Makes every worker collect garbage (see loops.ts's collectGarbage). */
function collectOnWorkers(): void {
  const tasks = Array.from({ length: crfThreads() - 1 }, () => ({ kind: 'collect' }) as const);
  if (tasks.length > 0) runOnThreads(() => undefined, tasks, { buffers: undefined });
}

let releaseScheduled = false;

/**
 * CRFs that become garbage without dispose(): the workers then collect too, so that their wrappers
 * of its memory go (once for any number of CRFs collected together).
 */
const finalization = new FinalizationRegistry<undefined>(() => {
  if (releaseScheduled) return;
  releaseScheduled = true;
  setTimeout(() => {
    releaseScheduled = false;
    collectOnWorkers();
  }, 0).unref();
});

/** A WebAssembly CRF on this process's threads (call only when {@link crfImplementation} is 'wasm'). */
export function createWasmCrf(pointCount: number, labelCount: number): WasmCrf {
  const result = compile();
  if (!('module' in result)) throw new Error(`the WebAssembly dense CRF cannot load: ${result.error}`);
  const crf = new WasmCrf(result.module, { pointCount, labelCount, shared: true, threads: workerThreads });
  finalization.register(crf, undefined);
  return crf;
}
