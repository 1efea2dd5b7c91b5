/**
 * The WebAssembly dense CRF's host glue for pages and Web Workers (no Node.js built-in): the
 * plain-memory kernels (`wasm/kernels.wasm`), whose bytes the page bundle inlines as base64
 * (src/widgets/page-bundle.ts defines `WSOL_CRF_WASM_BASE64`), compiled once, one thread. Browser
 * bundles put this module in place of wasm-node.ts; typed against it so the two cannot drift.
 * Where the kernels cannot compile (no SIMD, or no inlined bytes), the TypeScript CRF runs, with
 * one warning naming the reason.
 */
import type * as Node from './wasm-node';
import { WasmCrf } from './wasm-crf';

declare const WSOL_CRF_WASM_BASE64: string | undefined;

let compiled: { readonly module: WebAssembly.Module } | { readonly error: string } | undefined;
let warned = false;

function compile(): { readonly module: WebAssembly.Module } | { readonly error: string } {
  if (compiled === undefined) {
    try {
      if (typeof WSOL_CRF_WASM_BASE64 !== 'string') throw new Error('the kernels are not inlined in this bundle');
      const binary = atob(WSOL_CRF_WASM_BASE64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      compiled = { module: new WebAssembly.Module(bytes) };
    } catch (error) {
      compiled = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  return compiled;
}

/** 'wasm' when the inlined kernels compile here, else 'ts' (warning once). */
export const crfImplementation: typeof Node.crfImplementation = () => {
  const result = compile();
  if ('module' in result) return 'wasm';
  if (!warned) {
    warned = true;
    console.warn(`dense CRF: WebAssembly kernels unavailable (${result.error}); using the TypeScript implementation`);
  }
  return 'ts';
};

/** A WebAssembly CRF on this thread (call only when {@link crfImplementation} is 'wasm'). */
export const createWasmCrf: typeof Node.createWasmCrf = (pointCount, labelCount) => {
  const result = compile();
  if (!('module' in result)) throw new Error(`the WebAssembly dense CRF cannot load: ${result.error}`);
  return new WasmCrf(result.module, { pointCount, labelCount, shared: false });
};

export type { CrfImplementation } from './wasm-node';
