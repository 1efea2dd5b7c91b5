/**
 * The CRF's thread interface for hosts without Node.js worker threads (a web page, a Web Worker):
 * everything runs on the calling thread. Browser bundles (src/widgets/page-bundle.ts) put this
 * module in place of threads.ts, which imports `os` and `worker_threads`; the other CRF modules
 * see the same exports and, with one thread, never ask for shared memory.
 *
 * The declarations are typed against threads.ts, so the two cannot drift apart unnoticed.
 */
import { runLatticeTask } from './loops';
import type * as Threads from './threads';

/** Only 1 is meaningful here; larger counts are accepted and ignored, as on a host without workers. */
export const setCrfThreads: typeof Threads.setCrfThreads = (count) => {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`setCrfThreads: count must be a positive integer, got ${count}`);
};

/** Always 1: this host runs the CRF on the calling thread. */
export const crfThreads: typeof Threads.crfThreads = () => 1;

/** True when `array` lives in a SharedArrayBuffer (absent in pages that are not cross-origin isolated). */
export const isShared: typeof Threads.isShared = (array) =>
  array === undefined || (typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer);

/** Runs the caller's share, then each task, one after the other on this thread. */
export const runOnThreads: typeof Threads.runOnThreads = (ownShare, workerTasks, work) => {
  ownShare();
  return workerTasks.map((task) => runLatticeTask(task, work));
};
