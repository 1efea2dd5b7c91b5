/**
 * The dense CRF on WebAssembly SIMD kernels (src/crf/assembly/kernels.ts, compiled to
 * src/crf/wasm/*.wasm): lattice build, filtering with four labels a v128, mean-field update —
 * Krähenbühl & Koltun, NIPS 2011, on Adams et al.'s permutohedral lattice (Eurographics 2010).
 *
 * **Browser-safe entry**: this module uses no Node.js built-in. A page (or a bundle made with
 * esbuild) does
 *
 * ```ts
 * const module = await WebAssembly.compile(bytesOf('kernels.wasm'));   // the plain-memory variant
 * const crf = new WasmCrf(module, { pointCount: n, labelCount: L, shared: false });
 * crf.setUnaryEnergy(unary);                                            // Float32Array [label][point]
 * crf.addLattice(features, d, 'SYMMETRIC', makeCompatibility(3, L).data);
 * const Q = crf.inference(5);
 * ```
 *
 * Node.js glue (reading the bytes, worker threads) is in wasm-node.ts. Threads are optional:
 * with `shared: true` (the `kernels-shared.wasm` variant) the memory is a shared
 * `WebAssembly.Memory`, and a {@link WasmThreads} runs lists of kernel calls on other threads,
 * each with its own instance on the same memory.
 *
 * Each `WasmCrf` owns its memory: when the object is garbage, so is everything it built
 * (lattices, messages); {@link WasmCrf.dispose} lets it go earlier.
 */
import { shareByCost } from './loops';
import type { CompatibilityData } from './loops';
import type { DenseKernel, Normalization } from './kernel';

/** One call of a kernel export, run on some thread. */
export interface WasmCall {
  readonly fn: 'filter' | 'meanFieldUpdate' | 'softmax' | 'locatePoints' | 'findNeighbours' | 'splatVertices' | 'blurVertices' | 'slicePoints';
  readonly args: readonly number[];
  /** Where to store the call's i32 result (its status), if anywhere. */
  readonly result?: number;
}

/** Runs calls on several threads sharing one memory: `calls[0]` on the calling thread. */
export interface WasmThreads {
  /** Threads available, the calling one included. */
  readonly count: number;
  /**
   * Runs `calls[t]` (in order) on thread t, all threads at once, `calls[0]` by `runHere` on the
   * calling thread; returns when all are done.
   */
  run(module: WebAssembly.Module, memory: WebAssembly.Memory, calls: readonly (readonly WasmCall[])[], runHere: (calls: readonly WasmCall[]) => void): void;
  /** Lets the other threads drop what they still hold of memories no longer used (called by dispose()). */
  release?(): void;
}

/** The exports of the kernels' instance. */
interface Kernels {
  alloc(bytes: number): number;
  allocated(): number;
  locatePoints(tab: number, features: number, n: number, d: number, start: number, end: number, offsets: number, weights: number, sliceWeights: number, packed: number): number;
  mergeTable(into: number, from: number, offsets: number, d: number, start: number, end: number): number;
  tableSize(tab: number): number;
  findNeighbours(tab: number, neighbours: number, v0: number, v1: number): number;
  describeLattice(lat: number, d: number, n: number, m: number, offsets: number, weights: number, sliceWeights: number, neighbours: number): void;
  filterBufferBytes(lat: number, chunks: number): number;
  filter(lat: number, values: number, out: number, inScale: number, outScale: number, reverse: number, a: number, b: number, c0: number, c1: number): void;
  normalise(ones: number, n: number, symmetric: number): void;
  splatVertices(lat: number, values: number, inScale: number, a: number, c: number, v0: number, v1: number): void;
  blurVertices(lat: number, from: number, to: number, j: number, v0: number, v1: number): void;
  slicePoints(lat: number, from: number, out: number, outScale: number, c: number, i0: number, i1: number): void;
  meanFieldUpdate(upd: number, i0: number, i1: number): void;
  softmax(negUnary: number, out: number, labels: number, n: number, i0: number, i1: number): void;
  toChunks(planar: number, chunked: number, labels: number, n: number, pad: number): void;
  fromChunks(chunked: number, planar: number, labels: number, n: number): void;
}

/** Largest memory a CRF may use: wasm32's 4 GiB (65 536 pages of 64 KiB). */
const MAXIMUM_PAGES = 65536;
const LATTICE_DESCRIPTOR_BYTES = 32;
const TABLE_DESCRIPTOR_BYTES = 32;
/** Chunks the kernels' filter processes at once (FILTER_BLOCK there): its buffers hold that many. */
const FILTER_BLOCK = 2;
/** Lattices of fewer points are built on one thread (a round trip to the workers would not pay). */
const PARALLEL_BUILD_MIN_POINTS = 16384;
/** locatePoints' status when a point's coordinates do not fit packed keys. */
const PACKED_KEYS_DO_NOT_FIT = -3;
const KIND = { potts: 0, diagonal: 1, matrix: 2 } as const;

/** A pairwise term: a lattice in wasm memory, or any TypeScript filter (then filtered in JS). */
type WasmTerm =
  | {
      readonly kind: 'lattice';
      readonly lat: number;
      readonly vertices: number;
      readonly d: number;
      readonly inScale: number;
      readonly outScale: number;
      readonly compatibility: CompatibilityData;
      readonly weights: number;
      message: number;
    }
  | { readonly kind: 'filter'; readonly kernel: DenseKernel; readonly compatibility: CompatibilityData; readonly weights: number; message: number };

/** Who filters what: term, chunk range, thread. */
interface Piece {
  readonly term: WasmTerm & { kind: 'lattice' };
  readonly c0: number;
  readonly c1: number;
  readonly cost: number;
}

/** The plan of one thread count: filter pieces per thread, and each thread's buffers. */
interface Plan {
  readonly threads: number;
  readonly pieces: readonly (readonly Piece[])[];
  readonly buffers: readonly { a: number; b: number }[];
}

/** Options of {@link WasmCrf}. */
export interface WasmCrfOptions {
  readonly pointCount: number;
  readonly labelCount: number;
  /** A shared memory (the `kernels-shared.wasm` variant); needed for threads. */
  readonly shared: boolean;
  /** Threads to run on; without, everything runs on the calling thread. */
  readonly threads?: WasmThreads;
}

/**
 * A dense CRF whose lattices, label vectors and loops live in one WebAssembly memory. The
 * numbers are those of the TypeScript implementation to float32 rounding, and bit for bit the
 * same on any number of threads (each lane's arithmetic does not depend on the split).
 */
export class WasmCrf {
  readonly pointCount: number;
  readonly labelCount: number;
  /** Chunks of four labels, ⌈L/4⌉. */
  readonly chunks: number;
  private readonly module: WebAssembly.Module;
  private memory: WebAssembly.Memory | undefined;
  private kernels: Kernels | undefined;
  private readonly threads: WasmThreads | undefined;
  private readonly terms: WasmTerm[] = [];
  /** −U, chunk-major (padding lanes ignored). */
  private readonly negUnary: number;
  /** Q, chunk-major. */
  private readonly q: number;
  /** Planar `[label][point]` scratch for copying in and out. */
  private readonly planar: number;
  /** Update descriptor, rebuilt when terms are added. */
  private update = 0;
  private plan: Plan | undefined;

  /** @throws Error naming the reason when the module cannot be instantiated (e.g. no SIMD). */
  constructor(module: WebAssembly.Module, options: WasmCrfOptions) {
    const { pointCount: n, labelCount: labels } = options;
    this.module = module;
    this.pointCount = n;
    this.labelCount = labels;
    this.chunks = Math.ceil(labels / 4);
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: options.shared } as WebAssembly.MemoryDescriptor);
    this.kernels = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Kernels;
    this.threads = options.shared ? options.threads : undefined;
    const vectorBytes = this.chunks * n * 16;
    this.negUnary = this.alloc(vectorBytes, 'the unary energy');
    this.q = this.alloc(vectorBytes, 'Q');
    this.planar = this.alloc(labels * n * 4, 'a copy of Q');
  }

  /** Bytes of wasm memory in use (lattices, label vectors, buffers). */
  get bytesUsed(): number {
    return this.k().allocated();
  }

  /** Releases the memory now (the object is unusable afterwards). */
  dispose(): void {
    this.memory = undefined;
    this.kernels = undefined;
    this.terms.length = 0;
    this.plan = undefined;
    this.threads?.release?.();
  }

  /** Sets `U` (planar `[label][point]`, already checked by the caller). */
  setUnaryEnergy(unary: Float32Array): void {
    const view = this.f32(this.planar, unary.length);
    for (let i = 0; i < unary.length; i++) view[i] = -unary[i];
    this.k().toChunks(this.planar, this.negUnary, this.labelCount, this.pointCount, 0);
  }

  /** `U`, planar (read back from the memory). */
  unaryEnergy(): Float32Array {
    this.k().fromChunks(this.negUnary, this.planar, this.labelCount, this.pointCount);
    return this.f32(this.planar, this.labelCount * this.pointCount).map((v) => -v);
  }

  /**
   * Adds a pairwise term on the lattice of `features` (`[feature][point]`, d per point, divided by
   * the kernel's standard deviations): builds it and its normalisation `K·1`.
   */
  addLattice(features: Float32Array, d: number, normalization: Normalization, compatibility: CompatibilityData): void {
    const k = this.k();
    const n = this.pointCount;
    const featuresAt = this.alloc(features.length * 4, 'the features');
    this.f32(featuresAt, features.length).set(features);
    const lat = this.alloc(LATTICE_DESCRIPTOR_BYTES, 'a lattice');
    const vertices = this.buildLattice(lat, featuresAt, d);
    let norm = 0;
    if (normalization !== 'NONE') {
      norm = this.alloc(n * 4, 'a normalisation');
      const ones = this.alloc(n * 16, 'a normalisation');
      const filtered = this.alloc(n * 16, 'a normalisation');
      const view = this.f32(ones, 4 * n);
      for (let i = 0; i < n; i++) view[4 * i] = 1;
      const bytes = k.filterBufferBytes(lat, 1);
      const a = this.alloc(bytes, 'lattice buffers');
      const b = this.alloc(bytes, 'lattice buffers');
      if (this.buildParts() > 1) this.filterOneChunkOnThreads(lat, d, vertices, ones, filtered, a, b);
      else k.filter(lat, ones, filtered, 0, 0, 0, a, b, 0, 1);
      k.fromChunks(filtered, norm, 1, n);
      k.normalise(norm, n, normalization === 'SYMMETRIC' ? 1 : 0);
    }
    const inScale = normalization === 'SYMMETRIC' || normalization === 'BEFORE' ? norm : 0;
    const outScale = normalization === 'SYMMETRIC' || normalization === 'AFTER' ? norm : 0;
    this.terms.push({ kind: 'lattice', lat, vertices, d, inScale, outScale, compatibility, weights: this.compatibilityWeights(compatibility), message: 0 });
    this.plan = undefined;
    this.update = 0;
  }

  /**
   * Builds the lattice at `lat`: the points are located in one contiguous range per thread, each
   * numbering its vertices in a table of its own; the tables are merged into the first (offsets
   * renumbered), then the blur neighbours are found in one vertex range per thread. The lattice
   * is the same as a serial build's up to the numbering of its vertices, which no result depends
   * on: each vertex still receives its splats in point order. Returns the number of vertices.
   */
  private buildLattice(lat: number, features: number, d: number): number {
    const k = this.k();
    const n = this.pointCount;
    const values = n * (d + 1) * 4;
    const offsets = this.alloc(values, 'a lattice');
    const weights = this.alloc(values, 'a lattice');
    const sliceWeights = this.alloc(values, 'a lattice');
    const parts = this.buildParts();
    const tables = this.alloc(parts * TABLE_DESCRIPTOR_BYTES, 'a lattice');
    const status = this.alloc(4 * parts, 'a lattice');
    const ranges = Array.from({ length: parts }, (_, t) => split(n, t, parts));
    const locate = (packed: number) =>
      this.onThreads((t) =>
        t < parts
          ? [{ fn: 'locatePoints', args: [tables + TABLE_DESCRIPTOR_BYTES * t, features, n, d, ...ranges[t], offsets, weights, sliceWeights, packed], result: status + 4 * t }]
          : [],
      );
    locate(1);
    // −3: a coordinate too large for packed keys (see the kernels' locatePoints); all parts again with plain keys.
    if (new Int32Array(this.memoryBuffer(), status, parts).includes(PACKED_KEYS_DO_NOT_FIT)) locate(0);
    this.checkStatus(status, parts, 'a lattice');
    for (let t = 1; t < parts; t++) {
      if (k.mergeTable(tables, tables + TABLE_DESCRIPTOR_BYTES * t, offsets, d, ...ranges[t]) < 0) throw this.outOfMemory('a lattice');
    }
    const m = k.tableSize(tables);
    const neighbours = this.alloc((d + 1) * m * 8, 'a lattice');
    this.onThreads((t) => (t < parts ? [{ fn: 'findNeighbours', args: [tables, neighbours, ...split(m, t, parts)], result: status + 4 * t }] : []));
    this.checkStatus(status, parts, 'a lattice');
    k.describeLattice(lat, d, n, m, offsets, weights, sliceWeights, neighbours);
    return m;
  }

  /** Threads a lattice build is split between. */
  private buildParts(): number {
    return this.pointCount >= PARALLEL_BUILD_MIN_POINTS ? (this.threads?.count ?? 1) : 1;
  }

  /**
   * Filters chunk 0 of `values` into `out` (fresh, zero buffers `a`, `b`) on every thread: the
   * splat and each blur direction split by vertices, the slice by points — the numbers of the
   * kernels' one-thread filter (see their splatVertices).
   */
  private filterOneChunkOnThreads(lat: number, d: number, m: number, values: number, out: number, a: number, b: number): void {
    this.onThreads((t, threads) => [{ fn: 'splatVertices', args: [lat, values, 0, a, 0, ...split(m, t, threads)] }]);
    let [from, to] = [a, b];
    for (let j = 0; j <= d; j++) {
      this.onThreads((t, threads) => [{ fn: 'blurVertices', args: [lat, from, to, j, ...split(m, t, threads)] }]);
      [from, to] = [to, from];
    }
    this.onThreads((t, threads) => [{ fn: 'slicePoints', args: [lat, from, out, 0, 0, ...split(this.pointCount, t, threads)] }]);
  }

  private checkStatus(status: number, count: number, what: string): void {
    if (new Int32Array(this.memoryBuffer(), status, count).some((s) => s < 0)) throw this.outOfMemory(what);
  }

  /** Adds a pairwise term whose kernel is filtered in TypeScript (a custom filter). */
  addFilter(kernel: DenseKernel, compatibility: CompatibilityData): void {
    this.terms.push({ kind: 'filter', kernel, compatibility, weights: this.compatibilityWeights(compatibility), message: 0 });
    this.plan = undefined;
    this.update = 0;
  }

  /** `Q = softmax(−U)`, planar. */
  startInference(): Float32Array {
    this.start();
    return this.readQ();
  }

  /** Runs `iterations` mean-field steps from `softmax(−U)`; `each(Q)` sees Q after the start and every step. */
  inference(iterations: number, each?: (q: Float32Array) => void): Float32Array {
    this.start();
    if (each !== undefined) each(this.readQ());
    for (let it = 0; it < iterations; it++) {
      this.step();
      if (each !== undefined) each(this.readQ());
    }
    return this.readQ();
  }

  /** One mean-field step from `q` (planar); returns the new Q. */
  stepInference(q: Float32Array): Float32Array {
    this.writeQ(q);
    this.step();
    return this.readQ();
  }

  /** `K̃_m Q` of every term m (planar), for the KL divergence. */
  filteredQ(q: Float32Array): Float32Array[] {
    this.writeQ(q);
    this.filterAll();
    return this.terms.map((term) => {
      this.k().fromChunks(term.message, this.planar, this.labelCount, this.pointCount);
      return this.f32(this.planar, this.labelCount * this.pointCount).slice();
    });
  }

  private start(): void {
    const n = this.pointCount;
    this.onThreads((t, threads) => {
      const [i0, i1] = split(n, t, threads);
      return [{ fn: 'softmax', args: [this.negUnary, this.q, this.labelCount, n, i0, i1] }];
    });
  }

  private step(): void {
    this.filterAll();
    const upd = this.updateDescriptor();
    this.onThreads((t, threads) => {
      const [i0, i1] = split(this.pointCount, t, threads);
      return [{ fn: 'meanFieldUpdate', args: [upd, i0, i1] }];
    });
  }

  /** Filters Q through every term into its message, the lattice terms spread over threads. */
  private filterAll(): void {
    const plan = this.currentPlan();
    for (const term of this.terms) if (term.message === 0) term.message = this.alloc(this.chunks * this.pointCount * 16, 'a message');
    this.onThreads((t) =>
      plan.pieces[t].map(({ term, c0, c1 }) => ({
        fn: 'filter',
        args: [term.lat, this.q, term.message, term.inScale, term.outScale, 0, plan.buffers[t].a, plan.buffers[t].b, c0, c1],
      })),
    );
    for (const term of this.terms) {
      if (term.kind !== 'filter') continue;
      const k = this.k();
      const size = this.labelCount * this.pointCount;
      k.fromChunks(this.q, this.planar, this.labelCount, this.pointCount);
      const message = term.kernel.apply(this.f32(this.planar, size).slice(), this.labelCount, new Float32Array(size));
      this.f32(this.planar, size).set(message);
      k.toChunks(this.planar, term.message, this.labelCount, this.pointCount, 0);
    }
  }

  /**
   * Cuts each lattice term's chunks into at most one range per thread and gives the pieces,
   * largest first, to the least loaded thread (the calling thread is thread 0).
   */
  private currentPlan(): Plan {
    const threads = this.threads?.count ?? 1;
    if (this.plan !== undefined && this.plan.threads === threads) return this.plan;
    const pieces: Piece[] = [];
    for (const term of this.terms) {
      if (term.kind !== 'lattice') continue;
      const cuts = Math.min(threads, this.chunks);
      const costPerChunk = 2 * this.pointCount * (term.d + 1) + term.vertices * (term.d + 1);
      for (let c = 0; c < cuts; c++) {
        const [c0, c1] = split(this.chunks, c, cuts);
        pieces.push({ term, c0, c1, cost: (c1 - c0) * costPerChunk });
      }
    }
    const shares = shareByCost(pieces, threads);
    const buffers = shares.map((share) => {
      const bytes = Math.max(16, ...share.map((p) => this.k().filterBufferBytes(p.term.lat, Math.min(FILTER_BLOCK, p.c1 - p.c0))));
      return { a: this.alloc(bytes, 'lattice buffers'), b: this.alloc(bytes, 'lattice buffers') };
    });
    this.plan = { threads, pieces: shares, buffers };
    return this.plan;
  }

  /** Runs `callsOf(t, threads)` on each thread t. */
  private onThreads(callsOf: (t: number, threads: number) => WasmCall[]): void {
    const threads = this.threads?.count ?? 1;
    const calls = Array.from({ length: threads }, (_, t) => callsOf(t, threads));
    const runHere = (own: readonly WasmCall[]) => {
      const k = this.k() as unknown as Record<string, (...args: number[]) => number>;
      for (const call of own) {
        const value = k[call.fn](...call.args);
        if (call.result !== undefined) new Int32Array(this.memoryBuffer(), call.result, 1)[0] = value;
      }
    };
    if (this.threads === undefined || threads === 1) runHere(calls[0]);
    else this.threads.run(this.module, this.memory as WebAssembly.Memory, calls, runHere);
  }

  /** The update descriptor (see the kernels' meanFieldUpdate). */
  private updateDescriptor(): number {
    if (this.update !== 0) return this.update;
    const fields = 5 + 3 * this.terms.length;
    const at = this.alloc(4 * fields, 'an update descriptor');
    for (const term of this.terms) if (term.message === 0) term.message = this.alloc(this.chunks * this.pointCount * 16, 'a message');
    const view = new Int32Array(this.memoryBuffer(), at, fields);
    view.set([this.labelCount, this.pointCount, this.negUnary, this.q, this.terms.length]);
    this.terms.forEach((term, t) => view.set([KIND[term.compatibility.kind], term.message, term.weights], 5 + 3 * t));
    this.update = at;
    return at;
  }

  /** The compatibility's weights in the kernels' layout (see POTTS, DIAGONAL, MATRIX there). */
  private compatibilityWeights(c: CompatibilityData): number {
    const labels = this.labelCount;
    const lanes = 4 * this.chunks;
    if (c.kind === 'potts') {
      const at = this.alloc(16, 'a compatibility');
      this.f32(at, 1)[0] = c.weight;
      return at;
    }
    if (c.kind === 'diagonal') {
      const at = this.alloc(lanes * 4, 'a compatibility');
      this.f32(at, lanes).set(c.weights);
      return at;
    }
    const at = this.alloc(labels * lanes * 4, 'a compatibility');
    const view = this.f32(at, labels * lanes);
    for (let m = 0; m < labels; m++) for (let l = 0; l < labels; l++) view[m * lanes + l] = c.matrix[l * labels + m];
    return at;
  }

  private writeQ(q: Float32Array): void {
    this.f32(this.planar, q.length).set(q);
    this.k().toChunks(this.planar, this.q, this.labelCount, this.pointCount, 0);
  }

  private readQ(): Float32Array {
    this.k().fromChunks(this.q, this.planar, this.labelCount, this.pointCount);
    return this.f32(this.planar, this.labelCount * this.pointCount).slice();
  }

  private alloc(bytes: number, what: string): number {
    const at = this.k().alloc(bytes);
    if (at === 0) throw this.outOfMemory(what);
    return at;
  }

  private outOfMemory(what: string): RangeError {
    return new RangeError(
      `dense CRF (wasm): no memory left for ${what} (${this.pointCount} points, ${this.labelCount} labels; a CRF's memory is at most 4 GiB)`,
    );
  }

  private k(): Kernels {
    if (this.kernels === undefined) throw new Error('dense CRF (wasm): used after dispose()');
    return this.kernels;
  }

  private memoryBuffer(): ArrayBufferLike {
    if (this.memory === undefined) throw new Error('dense CRF (wasm): used after dispose()');
    return this.memory.buffer;
  }

  /** A view of `length` f32 at `at` (made anew: the memory may have grown). */
  private f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memoryBuffer(), at, length);
  }
}

/** Range t of `count` items cut into `parts` contiguous ranges. */
function split(count: number, t: number, parts: number): [number, number] {
  return [Math.round((t * count) / parts), Math.round(((t + 1) * count) / parts)];
}
