/**
 * A plain, slow reference of densecrf's permutohedral lattice and mean field, kept only for
 * tests: written straight from the algorithm (Adams et al. 2010 as implemented in Krähenbühl's
 * densecrf), with string-keyed Maps, one value at a time, no caching, no grouping, no shortcuts.
 * The fast code in src/crf must agree with it to float32 rounding.
 */
const f32 = Math.fround;

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export class ReferenceLattice {
  readonly n: number;
  readonly d: number;
  readonly vertices = new Map<string, number>();
  private readonly keys: number[][] = [];
  private readonly pointVertices: number[][] = [];
  private readonly pointWeights: number[][] = [];

  constructor(features: Float32Array, d: number) {
    this.d = d;
    this.n = features.length / d;
    const n = this.n;
    const invStdDev = f32(Math.sqrt(2 / 3) * (d + 1));
    const scale = Array.from({ length: d }, (_, i) => f32((1 / Math.sqrt((i + 2) * (i + 1))) * invStdDev));
    const down = f32(1 / (d + 1));
    for (let i = 0; i < n; i++) {
      // Elevate: y = E f (float32 after every operation, as the C++).
      const elevated = new Array<number>(d + 1).fill(0);
      let sm = 0;
      for (let j = d; j > 0; j--) {
        const cf = f32(features[(j - 1) * n + i] * scale[j - 1]);
        elevated[j] = f32(sm - f32(j * cf));
        sm = f32(sm + cf);
      }
      elevated[0] = sm;
      // Nearest remainder-0 point and the rank of each coordinate's residual.
      const rem0 = elevated.map((e) => roundHalfEven(f32(down * e)) * (d + 1));
      const sum = rem0.reduce((s, r) => s + r / (d + 1), 0);
      const residual = elevated.map((e, k) => f32(e - rem0[k]));
      const rank = residual.map((r, k) => residual.filter((o, q) => (q < k ? !(o < r) : r < o)).length);
      for (let k = 0; k <= d; k++) {
        rank[k] += sum;
        if (rank[k] < 0) {
          rank[k] += d + 1;
          rem0[k] += d + 1;
        } else if (rank[k] > d) {
          rank[k] -= d + 1;
          rem0[k] -= d + 1;
        }
      }
      const bary = new Float32Array(d + 2);
      for (let k = 0; k <= d; k++) {
        const v = f32(f32(elevated[k] - rem0[k]) * down);
        bary[d - rank[k]] += v;
        bary[d - rank[k] + 1] -= v;
      }
      bary[0] += f32(1 + bary[d + 1]);
      const vertices: number[] = [];
      for (let r = 0; r <= d; r++) {
        const key = Array.from({ length: d }, (_, k) => rem0[k] + (rank[k] <= d - r ? r : r - (d + 1)));
        vertices.push(this.vertex(key, true));
      }
      this.pointVertices.push(vertices);
      this.pointWeights.push(Array.from(bary.subarray(0, d + 1)));
    }
  }

  get vertexCount(): number {
    return this.keys.length;
  }

  private vertex(key: number[], create: boolean): number {
    const name = key.join(',');
    const found = this.vertices.get(name);
    if (found !== undefined || !create) return found ?? -1;
    this.vertices.set(name, this.keys.length);
    this.keys.push(key);
    return this.keys.length - 1;
  }

  /** Filters one vector (length N): splat, blur [½, 1, ½] along directions 0 … d, slice × α. */
  filterOne(values: ArrayLike<number>): Float32Array {
    const d = this.d;
    let lattice = new Float32Array(this.vertexCount);
    for (let i = 0; i < this.n; i++) {
      for (let r = 0; r <= d; r++) lattice[this.pointVertices[i][r]] += this.pointWeights[i][r] * values[i];
    }
    for (let j = 0; j <= d; j++) {
      const next = new Float32Array(this.vertexCount);
      this.keys.forEach((key, v) => {
        const lower = key.map((k, q) => (q === j ? k + d : k - 1));
        const upper = key.map((k, q) => (q === j ? k - d : k + 1));
        const a = this.vertex(lower, false);
        const b = this.vertex(upper, false);
        next[v] = lattice[v] + 0.5 * ((a >= 0 ? lattice[a] : 0) + (b >= 0 ? lattice[b] : 0));
      });
      lattice = next;
    }
    const alpha = f32(1 / (1 + Math.pow(2, -d)));
    const out = new Float32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      for (let r = 0; r <= d; r++) out[i] += f32(this.pointWeights[i][r] * alpha) * lattice[this.pointVertices[i][r]];
    }
    return out;
  }
}

/**
 * Reference mean field, SYMMETRIC normalisation and Potts weights, every label filtered; Q and
 * the energies are float32 matrices, as densecrf's MatrixXf.
 */
export function referenceMeanField(
  unary: Float32Array,
  labelCount: number,
  terms: readonly { lattice: ReferenceLattice; potts: number }[],
  iterations: number,
): Float32Array {
  const n = unary.length / labelCount;
  const norms = terms.map((t) => Array.from(t.lattice.filterOne(new Float64Array(n).fill(1)), (v) => f32(1 / Math.sqrt(f32(v) + 1e-20))));
  const softmax = (energy: Float32Array) => {
    const q = new Float32Array(energy.length);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let l = 0; l < labelCount; l++) max = Math.max(max, energy[l * n + i]);
      let sum = 0;
      for (let l = 0; l < labelCount; l++) sum += q[l * n + i] = Math.exp(energy[l * n + i] - max);
      for (let l = 0; l < labelCount; l++) q[l * n + i] /= sum;
    }
    return q;
  };
  let q = softmax(Float32Array.from(unary, (u) => -u));
  for (let it = 0; it < iterations; it++) {
    const energy = Float32Array.from(unary, (u) => -u);
    terms.forEach((term, t) => {
      for (let l = 0; l < labelCount; l++) {
        const scaled = Array.from({ length: n }, (_, i) => f32(q[l * n + i] * norms[t][i]));
        const filtered = term.lattice.filterOne(scaled);
        for (let i = 0; i < n; i++) energy[l * n + i] += term.potts * f32(filtered[i] * norms[t][i]);
      }
    });
    q = softmax(energy);
  }
  return q;
}
