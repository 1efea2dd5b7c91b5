/**
 * The page bundle's entry (built by src/widgets/page-bundle.ts). In a page it installs
 * `window.wsolLab.mount(root, payload)` and mounts the widgets whose outputs rendered before it;
 * in a Web Worker started from its own source it runs the CRF tuner's message loop.
 */
import type { WidgetPayload } from '../../types';
import { PAGE_API_GLOBAL, PAGE_BOOT_GLOBAL, PAGE_PENDING_GLOBAL } from './boot';
import { mountClassExplorer } from './class-explorer-view';
import { mountCrfTuner } from './crf-tuner-view';
import { runTunerWorker, WorkerScope } from './worker';

type Globals = Record<string, unknown>;
const globals = globalThis as unknown as Globals;

let workerUrl: string | undefined;

/** A Web Worker running this bundle, or undefined where none can start. */
function startWorker(): Worker | undefined {
  const boot = globals[PAGE_BOOT_GLOBAL];
  if (typeof boot !== 'function' || typeof Worker === 'undefined') return undefined;
  const source = `globalThis.${PAGE_BOOT_GLOBAL} = ${String(boot)};\nglobalThis.${PAGE_BOOT_GLOBAL}();\n`;
  try {
    workerUrl ??= URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    return new Worker(workerUrl);
  } catch {
    try {
      return new Worker(`data:text/javascript;base64,${btoa(unescape(encodeURIComponent(source)))}`);
    } catch {
      return undefined;
    }
  }
}

/** Mounts the widget a payload describes into `root`; a failure is shown in its place. */
export function mount(root: HTMLElement, payload: WidgetPayload): void {
  try {
    if (payload.kind === 'crf-tuner') mountCrfTuner(root, payload, startWorker);
    else if (payload.kind === 'class-explorer') mountClassExplorer(root, payload);
    else throw new Error(`unknown widget kind '${(payload as { kind?: string }).kind}'`);
  } catch (error) {
    root.textContent = `wsol-lab widget failed: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  }
}

if (typeof document === 'undefined') {
  runTunerWorker(globalThis as unknown as WorkerScope);
} else {
  globals[PAGE_API_GLOBAL] = { mount };
  const pending = (globals[PAGE_PENDING_GLOBAL] as [HTMLElement, WidgetPayload][] | undefined) ?? [];
  globals[PAGE_PENDING_GLOBAL] = [];
  for (const [root, payload] of pending) mount(root, payload);
}
