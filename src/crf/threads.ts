/**
 * Worker threads for the dense CRF: lattice builds (by points), filtering (by value vectors and
 * pairwise terms) and the point-wise rest of a mean-field step (by points) are split between the
 * calling thread and a small pool of Node.js worker threads that share memory (SharedArrayBuffer),
 * so `DenseCRF.inference` stays synchronous and uses every core.
 *
 * Workers run the very code of loops.ts, started from its source text, so results are the same
 * with any number of threads (tests check this bit for bit). The calling thread posts a
 * task to each worker, does its own share, then waits on a shared flag (`Atomics.wait`) and reads
 * the answer with `receiveMessageOnPort`: about 40 µs a round trip; starting a worker costs about
 * 40 ms once, on first use. Workers are unref'd: they never keep a process alive.
 *
 * The number of threads defaults to the machine's available parallelism (at most 4), or the
 * `WSOL_CRF_THREADS` environment variable; {@link setCrfThreads} changes it, and 1 runs everything
 * on the calling thread. Where worker threads cannot start, the CRF warns once and runs on one.
 */
import * as os from 'os';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { LATTICE_WORKER_CODE, latticeWorkerMain, LatticeTask, LatticeWork, LocateResult, runLatticeTask } from './loops';

/** At most this many threads by default (the lattice loops are memory-bound beyond that). */
const DEFAULT_MAX_THREADS = 4;
/** Upper bound accepted by {@link setCrfThreads}. */
const MAX_THREADS = 64;
/** A worker that has not answered after this long is reported as stuck. */
const ANSWER_TIMEOUT_MS = 10 * 60 * 1000;

interface LatticeWorker {
  readonly worker: Worker;
  /** Where the worker answers. */
  readonly port: MessagePort;
  /** `[0]` = 1 once the current task is answered. */
  readonly flag: Int32Array;
}

let threadCount = defaultThreadCount();
const pool: LatticeWorker[] = [];
let workersUnavailable = false;

function defaultThreadCount(): number {
  const fromEnv = process.env.WSOL_CRF_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const count = Number(fromEnv);
    if (Number.isInteger(count) && count >= 1 && count <= MAX_THREADS) return count;
    console.warn(`WSOL_CRF_THREADS must be an integer in 1…${MAX_THREADS}, got '${fromEnv}': using the default`);
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(DEFAULT_MAX_THREADS, cores));
}

/**
 * Sets how many threads the dense CRF uses (the calling thread included): 1 runs everything on
 * the calling thread. Results do not depend on it.
 *
 * @throws RangeError unless count is an integer in 1 … 64.
 */
export function setCrfThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_THREADS) {
    throw new RangeError(`setCrfThreads: count must be an integer in 1…${MAX_THREADS}, got ${count}`);
  }
  threadCount = count;
  while (pool.length > count - 1) void pool.pop()?.worker.terminate();
}

/** How many threads the dense CRF uses (see {@link setCrfThreads}). */
export function crfThreads(): number {
  return workersUnavailable ? 1 : threadCount;
}

/** @internal Each worker's answer flag, for tests that wake the waiting thread spuriously. */
export function workerFlags(): Int32Array[] {
  return pool.map((w) => w.flag);
}

/** True when `array` lives in a SharedArrayBuffer, i.e. worker threads can read and write it. */
export function isShared(array: { readonly buffer: ArrayBufferLike } | undefined): boolean {
  return array === undefined || array.buffer instanceof SharedArrayBuffer;
}

/** The source text a worker runs: the kernels, then their message loop. */
function workerSource(): string {
  return [
    '"use strict";',
    // esbuild (tsx) wraps named functions and classes in __name(…) to keep their names.
    'var __name = (target) => target;',
    ...LATTICE_WORKER_CODE.map(String),
    `(${String(latticeWorkerMain)})(require('worker_threads'));`,
  ].join('\n');
}

function startWorker(): LatticeWorker {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerSource(), { eval: true, workerData: { port: port2, flag }, transferList: [port2] });
  worker.unref();
  port1.unref();
  return { worker, port: port1, flag };
}

/** At least `count` workers, or none when they cannot start (then warns once). */
function workers(count: number): LatticeWorker[] {
  try {
    while (pool.length < count) pool.push(startWorker());
    return pool;
  } catch (error) {
    workersUnavailable = true;
    console.warn(`dense CRF: worker threads unavailable (${String(error)}); running on one thread`);
    return [];
  }
}

/**
 * Runs `workerTasks[t]` on worker t while the calling thread runs `ownShare`, and returns the
 * workers' results in order. Without workers everything runs here, one task after the other.
 *
 * @param ownShare the calling thread's part, given its own work buffers by the caller.
 * @param work buffers for running worker tasks here when no worker can start.
 * @throws Error naming the failure when a worker task or `ownShare` throws (after every worker
 *   has answered, so shared memory is no longer being written).
 */
export function runOnThreads(
  ownShare: () => void,
  workerTasks: readonly LatticeTask[],
  work: LatticeWork,
): (LocateResult | undefined)[] {
  const available = workerTasks.length === 0 ? [] : workers(workerTasks.length);
  if (available.length < workerTasks.length) {
    ownShare();
    return workerTasks.map((task) => runLatticeTask(task, work));
  }
  workerTasks.forEach((task, t) => {
    Atomics.store(available[t].flag, 0, 0);
    available[t].worker.postMessage(task);
  });
  let ownError: unknown;
  try {
    ownShare();
  } catch (error) {
    ownError = error;
  }
  const answers = workerTasks.map((_, t) => waitForAnswer(available[t]));
  if (ownError !== undefined) throw ownError;
  const failed = answers.find((answer) => !answer.ok);
  if (failed !== undefined) throw new Error(`dense CRF worker thread failed: ${failed.error}`);
  return answers.map((answer) => answer.result);
}

interface Answer {
  readonly ok: boolean;
  readonly result?: LocateResult;
  readonly error?: string;
}

/**
 * Waits until the worker has set its flag, then reads its answer. A wake-up alone proves nothing:
 * the worker stores the flag, then notifies, and when it is descheduled between the two, its
 * notify lands in the *next* round's wait, after the flag was reset — so the flag is re-checked
 * after every wake-up (the race of issue 19 item 6: about 1 round in 100 000 failed with "the
 * worker signalled an answer but sent none").
 */
function waitForAnswer(w: LatticeWorker): Answer {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  while (Atomics.load(w.flag, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(w.flag, 0, 0, left) === 'timed-out') {
      return { ok: false, error: `no answer within ${ANSWER_TIMEOUT_MS / 1000} s (setCrfThreads(1) runs on one thread)` };
    }
  }
  const received = receiveMessageOnPort(w.port);
  if (received === undefined) return { ok: false, error: 'the worker signalled an answer but sent none' };
  return received.message as Answer;
}
