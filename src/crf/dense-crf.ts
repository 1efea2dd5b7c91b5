/**
 * Fully connected CRF with Gaussian edge potentials and its mean-field inference
 * (Krähenbühl & Koltun, "Efficient Inference in Fully Connected CRFs with Gaussian Edge
 * Potentials", NIPS 2011), with pydensecrf's names and meanings so that pipelines port line by line.
 *
 * Energy: `E(x) = Σ_i U_i(x_i) + Σ_{i<j} Σ_m μ_m(x_i, x_j) k_m(f_i, f_j)`. Mean field iterates
 *
 *     Q_i(l) ← exp(−U_i(l) − Σ_m [μ_m(K̃_m Q)]_i(l)) / Z_i                (paper, Algorithm 1)
 *
 * from `Q = softmax(−U)`, with `K̃_m` the normalised Gaussian filter of term m (see kernel.ts)
 * and μ_m its label compatibility (see compatibility.ts). As in densecrf, a point's own
 * contribution is part of `K̃Q`. With two labels, Q₁ = 1 − Q₀, so only label 0 is filtered and
 * `K̃Q₁ = K̃1 − K̃Q₀` (exact algebra that halves the work; rounding differs from densecrf's by
 * ≈1e-7). With more labels the cancellation error would grow with L while the saving shrinks
 * to 1/L, so every label is filtered, as in densecrf.
 *
 * Data contract (checked, with errors naming the expected length):
 * - unary and Q: Float32Array `[label][point]`, i.e. `[label][y·width + x]` for images;
 * - rgb: Uint8Array `width·height·3`, interleaved RGB, row-major;
 * - features: Float32Array `[feature][point]`.
 */
import { assertSize } from '../types';
import { CompatibilitySpec, LabelCompatibility, makeCompatibility } from './compatibility';
import { bilateralFeatures, gaussianFeatures, PerAxis } from './features';
import { expAndNormalize, float32s, LatticeTask, LatticeWork, meanFieldUpdate, UpdateTask, updateScratch } from './loops';
import { assertLatticeFeatures, LatticeJob, PermutohedralLattice } from './permutohedral';
import { crfThreads, isShared, runOnThreads } from './threads';
import type { WasmCrf } from './wasm-crf';
import { CrfImplementation, crfImplementation, createWasmCrf } from './wasm-node';
import {
  assertKernelType,
  assertNormalization,
  DenseFilter,
  DenseKernel,
  KernelType,
  makeLatticeKernel,
  Normalization,
} from './kernel';

/** Options shared by every pairwise term. */
export interface PairwiseEnergyOptions {
  /** Label compatibility: Potts weight (number), diagonal (L numbers) or matrix (L rows of L). */
  readonly compat: CompatibilitySpec;
  /** Kernel type. @default 'DIAG' */
  readonly kernel?: KernelType;
  /** Kernel normalisation. @default 'SYMMETRIC' */
  readonly normalization?: Normalization;
}

/** Options of {@link DenseCRF2D.addPairwiseGaussian}: the smoothness kernel `exp(−|p_i − p_j|²/2 sxy²)`. */
export interface PairwiseGaussianOptions extends PairwiseEnergyOptions {
  /** Standard deviation in pixels, one number or `[sx, sy]` (pydensecrf's examples use 3). */
  readonly sxy: PerAxis<[number, number]>;
}

/** Options of {@link DenseCRF2D.addPairwiseBilateral}: `exp(−|p_i − p_j|²/2 sxy² − |I_i − I_j|²/2 srgb²)`. */
export interface PairwiseBilateralOptions extends PairwiseEnergyOptions {
  /** Positional standard deviation in pixels, one number or `[sx, sy]` (pydensecrf's examples: 80). */
  readonly sxy: PerAxis<[number, number]>;
  /** Colour standard deviation (0…255 units), one number or `[sr, sg, sb]` (pydensecrf's examples: 13). */
  readonly srgb: PerAxis<[number, number, number]>;
  /** The image: `width·height·3` bytes, interleaved RGB, row-major. */
  readonly rgb: Uint8Array | Uint8ClampedArray;
}

/** One pairwise term: a normalised kernel and a label compatibility. */
export class PairwisePotential {
  constructor(
    readonly kernel: DenseKernel,
    readonly compatibility: LabelCompatibility,
  ) {}

  /** Writes `μ(K̃ Q)` into `out` (planar, labelCount × N). */
  apply(q: Float32Array, labelCount: number, out: Float32Array, scratch: Float32Array): Float32Array {
    this.kernel.apply(q, labelCount, out);
    this.compatibility.applyInPlace(out, labelCount, scratch);
    return out;
  }
}

/** Work arrays of one inference run. */
interface Workspace {
  /** −U, the energy before any pairwise term. */
  readonly negativeUnary: Float32Array;
  readonly energy: Float32Array;
  /** `K̃ Q` of each pairwise term, in order (compatibilities are applied by the update). */
  readonly messages: readonly Float32Array[];
  /** Q copied into shared memory when a caller's Q is not, so worker threads can read it. */
  readonly sharedQ: Float32Array;
  /** In shared memory (see threads.ts). */
  readonly shared: boolean;
  /** The calling thread's scratch for the point-wise loops (softmax tiles, exp tables). */
  readonly loops: LatticeWork;
}

/**
 * A dense CRF over `pointCount` variables with `labelCount` labels (pydensecrf's `DenseCRF`).
 *
 * @example
 * ```ts
 * const crf = new DenseCRF(n, 3);
 * crf.setUnaryEnergy(unary);                       // Float32Array [label][point]
 * crf.addPairwiseEnergy(features, { compat: 3 });  // Float32Array [feature][point]
 * const Q = crf.inference(5);                      // Float32Array [label][point]
 * ```
 */
export class DenseCRF {
  /** Number of variables N. */
  readonly pointCount: number;
  /** Number of labels L (≥ 2). */
  readonly labelCount: number;
  private unary: Float32Array;
  /** The TypeScript implementation's terms. */
  private readonly pairwise: PairwisePotential[] = [];
  /** Every term's compatibility, in order (both implementations). */
  private readonly compatibilities: LabelCompatibility[] = [];
  /** The WebAssembly implementation, when this CRF uses it (see wasm-node.ts: `WSOL_CRF`). */
  private wasm: WasmCrf | undefined;
  /** `'wasm'` (the WebAssembly SIMD kernels) or `'ts'` (the TypeScript reference), chosen at construction. */
  readonly implementation: CrfImplementation;
  private disposed = false;

  /**
   * @throws RangeError when pointCount is not a positive integer or labelCount < 2; Error when
   *   `WSOL_CRF=wasm` and the WebAssembly kernels cannot load.
   */
  constructor(pointCount: number, labelCount: number) {
    if (!Number.isInteger(pointCount) || pointCount < 1) {
      throw new RangeError(`DenseCRF: pointCount must be a positive integer, got ${pointCount}`);
    }
    if (!Number.isInteger(labelCount) || labelCount < 2) {
      throw new RangeError(`DenseCRF: labelCount must be an integer ≥ 2, got ${labelCount}`);
    }
    this.pointCount = pointCount;
    this.labelCount = labelCount;
    this.implementation = crfImplementation();
    this.wasm = this.implementation === 'wasm' ? createWasmCrf(pointCount, labelCount) : undefined;
    // The WebAssembly implementation keeps −U in its own memory only (a copy here would add L·N floats).
    this.unary = new Float32Array(this.wasm === undefined ? pointCount * labelCount : 0);
  }

  /** Number of pairwise terms added so far. */
  get pairwiseCount(): number {
    return this.compatibilities.length;
  }

  /**
   * Releases the memory of the WebAssembly implementation now, rather than when this object is
   * garbage (the lattices and label vectors of a 2000×1500 image with 21 labels take about 1 GB).
   * The CRF cannot be used afterwards.
   */
  dispose(): void {
    this.wasm?.dispose();
    this.wasm = undefined;
    this.disposed = true;
    this.pairwise.length = 0;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('DenseCRF: used after dispose()');
  }

  /**
   * Sets the unary energy `U[l·N + i] = −log P_i(l)` (copied; without a call it is zero).
   *
   * @throws RangeError naming the expected length `labelCount × N` or a non-finite entry.
   */
  setUnaryEnergy(unary: Float32Array): void {
    const expected = this.labelCount * this.pointCount;
    if (!(unary instanceof Float32Array)) {
      throw new TypeError(`setUnaryEnergy: unary must be a Float32Array of ${expected} values [label][point]`);
    }
    if (unary.length !== expected) {
      throw new RangeError(
        `setUnaryEnergy: unary must have labelCount × N = ${this.labelCount} × ${this.pointCount} = ${expected} values laid out [label][point], got ${unary.length}`,
      );
    }
    for (let i = 0; i < unary.length; i++) {
      if (!Number.isFinite(unary[i])) {
        throw new RangeError(
          `setUnaryEnergy: unary of label ${Math.floor(i / this.pointCount)} at point ${i % this.pointCount} is ${unary[i]}; must be finite (clip probabilities before −log)`,
        );
      }
    }
    this.assertUsable();
    if (this.wasm !== undefined) this.wasm.setUnaryEnergy(unary);
    else this.unary = unary.slice();
  }

  /**
   * Adds a pairwise term with Gaussian kernel `exp(−½‖f_i − f_j‖²)` over arbitrary features
   * (pydensecrf's `addPairwiseEnergy`); scale the features by their standard deviations first.
   *
   * @param features Float32Array `[feature][point]`, `d × N` values.
   * @throws RangeError when the length is not a multiple of N, or on bad options.
   */
  addPairwiseEnergy(features: Float32Array, options: PairwiseEnergyOptions): void {
    const n = this.pointCount;
    if (!(features instanceof Float32Array) || features.length === 0 || features.length % n !== 0) {
      throw new RangeError(
        `addPairwiseEnergy: features must be a Float32Array of d × N = d × ${n} values laid out [feature][point], got ${features.length}`,
      );
    }
    const { compatibility, normalization } = this.checkOptions(options);
    this.compatibilities.push(compatibility);
    if (this.wasm !== undefined) {
      assertLatticeFeatures(features, features.length / n);
      this.wasm.addLattice(features, features.length / n, normalization, compatibility.data);
      return;
    }
    const kernel = makeLatticeKernel(features, features.length / n, normalization);
    this.pairwise.push(new PairwisePotential(kernel, compatibility));
  }

  /**
   * Adds a pairwise term whose kernel is any linear filter with the lattice's `compute`
   * contract — for instance an exact O(N²) filter on a small problem.
   */
  addPairwiseFilter(filter: DenseFilter, options: PairwiseEnergyOptions): void {
    if (filter.pointCount !== this.pointCount) {
      throw new RangeError(`addPairwiseFilter: the filter has ${filter.pointCount} points, the CRF ${this.pointCount}`);
    }
    const { compatibility, normalization } = this.checkOptions(options);
    this.compatibilities.push(compatibility);
    if (this.wasm !== undefined) this.wasm.addFilter(new DenseKernel(filter, normalization), compatibility.data);
    else this.pairwise.push(new PairwisePotential(new DenseKernel(filter, normalization), compatibility));
  }

  /** Runs `iterations` mean-field steps from `softmax(−U)` and returns Q, `[label][point]`. */
  inference(iterations: number): Float32Array {
    assertIterations(iterations);
    this.assertUsable();
    if (this.wasm !== undefined) return this.wasm.inference(iterations);
    const work = this.workspace();
    let q = this.start(work);
    for (let it = 0; it < iterations; it++) q = this.step(q, work, q, this.labelCount === 2);
    return isShared(q) ? q.slice() : q; // a plain Float32Array for the caller (slice copies)
  }

  /** The starting marginals `Q = softmax(−U)` per point, `[label][point]`. */
  startInference(): Float32Array {
    this.assertUsable();
    if (this.wasm !== undefined) return this.wasm.startInference();
    const q = this.start(this.workspace());
    return isShared(q) ? q.slice() : q;
  }

  /** `softmax(−U)` in the workspace's memory (shared when worker threads take part). */
  private start(work: Workspace): Float32Array {
    const q = float32s(this.unary.length, work.shared);
    expAndNormalize(work.negativeUnary, this.labelCount, this.pointCount, 0, this.pointCount, q, updateScratch(work.loops, this.labelCount));
    return q;
  }

  /**
   * One mean-field step: returns the new Q (a new array; `q` is not modified).
   *
   * @throws RangeError naming the expected length of q.
   */
  stepInference(q: Float32Array): Float32Array {
    this.assertMarginals(q, 'stepInference');
    this.assertUsable();
    if (this.wasm !== undefined) return this.wasm.stepInference(q);
    const marginals = this.labelCount === 2 && sumsToOne(q, this.labelCount);
    return this.step(q, this.workspace(), new Float32Array(q.length), marginals);
  }

  /**
   * Runs `iterations` steps and records densecrf's KL-divergence objective before the first step
   * and after each one (`iterations + 1` values), for convergence plots.
   */
  inferenceWithKL(iterations: number): { readonly Q: Float32Array; readonly kl: readonly number[] } {
    assertIterations(iterations);
    this.assertUsable();
    if (this.wasm !== undefined) {
      const values: number[] = [];
      const Q = this.wasm.inference(iterations, (q) => values.push(this.klDivergence(q)));
      return { Q, kl: values };
    }
    const work = this.workspace();
    let q = this.start(work);
    const kl = [this.klDivergence(q)];
    for (let it = 0; it < iterations; it++) {
      q = this.step(q, work, q, this.labelCount === 2);
      kl.push(this.klDivergence(q));
    }
    return { Q: isShared(q) ? q.slice() : q, kl };
  }

  /**
   * densecrf's `klDivergence(Q)`, the mean-field objective up to the constant log Z:
   * `Σ_i Σ_l Q_i(l) log Q_i(l) + Σ_i Σ_l U_i(l) Q_i(l) + Σ_m Σ_i Σ_l Q_i(l) [μ_m(K̃_m Q)]_i(l)`
   * (log of max(Q, 1e-20)). It decreases over the iterations in practice.
   */
  klDivergence(q: Float32Array): number {
    this.assertMarginals(q, 'klDivergence');
    this.assertUsable();
    let kl = 0;
    const unary = this.wasm !== undefined ? this.wasm.unaryEnergy() : this.unary;
    for (let i = 0; i < q.length; i++) kl += q[i] * Math.log(Math.max(q[i], 1e-20)) + unary[i] * q[i];
    const labelScratch = new Float32Array(this.labelCount);
    if (this.wasm !== undefined) {
      this.wasm.filteredQ(q).forEach((message, t) => {
        this.compatibilities[t].applyInPlace(message, this.labelCount, labelScratch);
        for (let i = 0; i < q.length; i++) kl += q[i] * message[i];
      });
      return kl;
    }
    const message = new Float32Array(q.length);
    for (const term of this.pairwise) {
      term.apply(q, this.labelCount, message, labelScratch);
      for (let i = 0; i < q.length; i++) kl += q[i] * message[i];
    }
    return kl;
  }

  /** The most probable label of each point after `iterations` steps (densecrf's `map`). */
  map(iterations: number): Int32Array {
    return argmaxLabels(this.inference(iterations), this.labelCount);
  }

  /**
   * One update; `marginals` (q sums to 1 per point) lets the kernels filter only L − 1 labels.
   * The filterings of all pairwise terms run at once (spread over threads, see threads.ts); the
   * label compatibilities are then applied term by term, in order.
   */
  private step(q: Float32Array, work: Workspace, out: Float32Array, marginals: boolean): Float32Array {
    const { energy, messages, negativeUnary } = work;
    const n = this.pointCount;
    const filtered = marginals ? this.labelCount - 1 : this.labelCount;
    let input = q;
    if (work.shared && !isShared(q)) {
      work.sharedQ.set(q);
      input = work.sharedQ;
    }
    const jobs: LatticeJob[] = [];
    this.pairwise.forEach((term, t) => {
      const values = input.subarray(0, filtered * n);
      const message = messages[t].subarray(0, filtered * n);
      const job = term.kernel.job(values, filtered, message);
      if (job !== undefined) jobs.push(job);
      else term.kernel.apply(values, filtered, message);
    });
    PermutohedralLattice.computeAll(jobs);
    // energy = −U − Σ_m μ_m(K̃_m Q), term by term, then Q = softmax(energy): point by point, so
    // the points are split between threads.
    updateOnThreads(
      {
        terms: this.pairwise.map((term, t) => ({
          compatibility: term.compatibility.data,
          message: messages[t],
          ones: marginals ? term.kernel.filteredOnes() : undefined,
        })),
        negativeUnary,
        energy,
        out,
        labelCount: this.labelCount,
        n,
        start: 0,
        end: n,
        marginals,
      },
      work.loops,
    );
    return out;
  }

  private workspace(): Workspace {
    const size = this.pointCount * this.labelCount;
    const shared = crfThreads() > 1;
    const negativeUnary = float32s(size, shared);
    for (let i = 0; i < size; i++) negativeUnary[i] = -this.unary[i];
    return {
      negativeUnary,
      energy: float32s(size, shared),
      messages: this.pairwise.map(() => float32s(size, shared)),
      sharedQ: float32s(shared ? size : 0, shared),
      shared,
      loops: { buffers: undefined },
    };
  }

  private assertMarginals(q: Float32Array, what: string): void {
    const expected = this.labelCount * this.pointCount;
    if (!(q instanceof Float32Array) || q.length !== expected) {
      throw new RangeError(
        `${what}: Q must be a Float32Array of labelCount × N = ${expected} values laid out [label][point], got ${q.length}`,
      );
    }
  }

  private checkOptions(options: PairwiseEnergyOptions): { compatibility: LabelCompatibility; normalization: Normalization } {
    assertKernelType(options.kernel ?? 'DIAG');
    const normalization = options.normalization ?? 'SYMMETRIC';
    assertNormalization(normalization);
    if (options.compat === undefined) throw new RangeError('pairwise term: compat is required (Potts weight, diagonal or matrix)');
    return { compatibility: makeCompatibility(options.compat, this.labelCount), normalization };
  }
}

/**
 * A dense CRF on a `width × height` image grid (pydensecrf's `DenseCRF2D`); point `i = y·width + x`.
 *
 * @example
 * ```ts
 * const crf = new DenseCRF2D(width, height, 2);
 * crf.setUnaryEnergy(unaryFromSoftmax(probs, { clip: 1e-5 }));    // Float32Array [label][y*width+x]
 * crf.addPairwiseGaussian({ sxy: 3, compat: 3 });
 * crf.addPairwiseBilateral({ sxy: 80, srgb: 13, rgb, compat: 10 }); // rgb: Uint8Array H*W*3 RGB
 * const Q = crf.inference(5);                                      // Float32Array [label][y*width+x]
 * ```
 */
export class DenseCRF2D extends DenseCRF {
  readonly width: number;
  readonly height: number;

  /** @throws RangeError on a non-positive size or labelCount < 2. */
  constructor(width: number, height: number, labelCount: number) {
    assertSize(width, height, 'DenseCRF2D');
    super(width * height, labelCount);
    this.width = width;
    this.height = height;
  }

  /** Adds the smoothness term `μ · exp(−(x_i − x_j)²/2sx² − (y_i − y_j)²/2sy²)`. */
  addPairwiseGaussian(options: PairwiseGaussianOptions): void {
    this.addPairwiseEnergy(gaussianFeatures(this.width, this.height, options.sxy), options);
  }

  /**
   * Adds the appearance term
   * `μ · exp(−(x_i − x_j)²/2sx² − (y_i − y_j)²/2sy² − (R_i − R_j)²/2sr² − (G_i − G_j)²/2sg² − (B_i − B_j)²/2sb²)`.
   *
   * @throws RangeError naming the expected length `width·height·3` of rgb.
   */
  addPairwiseBilateral(options: PairwiseBilateralOptions): void {
    this.addPairwiseEnergy(bilateralFeatures(this.width, this.height, options.sxy, options.srgb, options.rgb), options);
  }
}

/** True when every point's values sum to 1 within 1e-5 (then only L − 1 labels need filtering). */
function sumsToOne(q: Float32Array, labelCount: number): boolean {
  const n = q.length / labelCount;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let p = i; p < q.length; p += n) sum += q[p];
    if (!(Math.abs(sum - 1) <= 1e-5)) return false;
  }
  return true;
}

function assertIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new RangeError(`inference: iterations must be an integer ≥ 0, got ${iterations}`);
  }
}

/** Points below which a mean-field update stays on the calling thread. */
const PARALLEL_UPDATE_MIN_POINTS = 8192;

/**
 * Runs {@link meanFieldUpdate} over all points, split into one contiguous range per thread when
 * every array is in shared memory (see threads.ts). Point-wise, so the split changes no number.
 */
function updateOnThreads(task: UpdateTask, work: LatticeWork): void {
  const threads = crfThreads();
  const arrays = [task.negativeUnary, task.energy, task.out, ...task.terms.flatMap((t) => [t.message, t.ones])];
  if (threads < 2 || task.n < PARALLEL_UPDATE_MIN_POINTS || !arrays.every(isShared)) {
    meanFieldUpdate(task, work);
    return;
  }
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * task.n) / threads));
  const tasks: LatticeTask[] = [];
  for (let t = 1; t < threads; t++) tasks.push({ kind: 'update', ...task, start: bounds[t], end: bounds[t + 1] });
  runOnThreads(() => meanFieldUpdate({ ...task, start: 0, end: bounds[1] }, work), tasks, work);
}

/**
 * The label of highest probability at each point (`argmax_l Q[l·N + i]`, first on ties):
 * pydensecrf users write `np.argmax(Q, axis=0)`.
 *
 * @param q Float32Array `[label][point]`, `labelCount × N`.
 * @throws RangeError when the length is not a positive multiple of labelCount.
 */
export function argmaxLabels(q: Float32Array, labelCount: number): Int32Array {
  if (!Number.isInteger(labelCount) || labelCount < 1 || q.length === 0 || q.length % labelCount !== 0) {
    throw new RangeError(
      `argmaxLabels: Q must hold labelCount × N = ${labelCount} × N values laid out [label][point], got ${q.length}`,
    );
  }
  const n = q.length / labelCount;
  const labels = new Int32Array(n);
  const best = q.slice(0, n);
  for (let l = 1; l < labelCount; l++) {
    const base = l * n;
    for (let i = 0; i < n; i++) {
      if (q[base + i] > best[i]) {
        best[i] = q[base + i];
        labels[i] = l;
      }
    }
  }
  return labels;
}
