/**
 * The dense CRF's kernels in AssemblyScript, compiled to WebAssembly with SIMD (`npm run
 * build:crf-wasm`, see src/crf/README.md): the permutohedral lattice's build (Adams, Baek & Davis,
 * Eurographics 2010), its filtering with four labels in each v128, and the point-wise part of a
 * mean-field step (Krähenbühl & Koltun, NIPS 2011). The same arithmetic as densecrf's SSE code:
 * float32 throughout, four lanes an instruction.
 *
 * Nothing here allocates objects: every array lives in linear memory at an address the host
 * passes in, so that the same memory can be shared by several threads, each with its own instance.
 * Layouts (n points, L labels, C = ⌈L/4⌉ chunks of four labels):
 * - label vectors (Q, −U, messages) are chunk-major: chunk c of point i at `(c·n + i)·16` bytes;
 *   padding lanes (labels L … 4C − 1) hold 0 in Q and messages;
 * - a lattice is described by eight i32 fields at `lat` (see LAT_* below), built by
 *   {@link locatePoints} (points split between threads, one vertex table each; vertex keys packed
 *   into one u64 when d ≤ 7 and the coordinates fit), {@link mergeTable},
 *   {@link findNeighbours} (vertices split between threads) and {@link describeLattice}; its filtering buffers
 *   hold the chunks c0 … c1 − 1 of every vertex, `[vertex + 1][chunk]`, row 0 staying zero (a
 *   missing blur neighbour).
 */

// Fields of a lattice descriptor (i32 each, at lat + 4·field).
const LAT_D: u32 = 0;
const LAT_N: u32 = 1;
const LAT_M: u32 = 2;
const LAT_OFFSETS: u32 = 3; // i32 [point][d+1]: vertex + 1
const LAT_WEIGHTS: u32 = 4; // f32 [point][d+1]: barycentric weight
const LAT_SLICE: u32 = 5; // f32 [point][d+1]: weight × α
const LAT_NEIGHBOURS: u32 = 6; // i32 [direction][vertex][2]: neighbour + 1 (0 = absent)
/** Bytes of a lattice descriptor. */
export const LATTICE_DESCRIPTOR_BYTES: u32 = 32;

// The allocator's top, shared by every instance on the memory.
const HEAP_TOP: usize = 8;
const HEAP_START: u32 = 64;

@inline function field(lat: usize, k: u32): u32 {
  return load<u32>(lat + (k << 2));
}

/**
 * Reserves `bytes` (16-byte aligned, zero-filled: fresh memory is zero and is never handed out
 * twice) and returns the address, or 0 when the memory cannot grow that far. Safe on several
 * threads at once (a compare-and-swap on the shared top).
 */
export function alloc(bytes: u32): u32 {
  for (;;) {
    const seen = load<u32>(HEAP_TOP);
    let top = <u64>seen;
    if (top < HEAP_START) top = HEAP_START;
    top = (top + 15) & ~(<u64>15);
    const end = top + <u64>bytes;
    const have = <u64>memory.size() << 16;
    if (end > have) {
      const pages = <i32>((end - have + 0xffff) >> 16);
      if (memory.grow(pages) < 0 && end > (<u64>memory.size() << 16)) return 0;
    }
    if (ASC_FEATURE_THREADS) {
      if (atomic.cmpxchg<u32>(HEAP_TOP, seen, <u32>end) == seen) return <u32>top;
    } else {
      store<u32>(HEAP_TOP, <u32>end);
      return <u32>top;
    }
  }
  return 0; // (not reached)
}

/** Bytes allocated so far. */
export function allocated(): u32 {
  return load<u32>(HEAP_TOP);
}

// ---------------------------------------------------------------------------------------------
// Lattice build

// A vertex hash table (at tab): keys (d i32 a vertex, numbered by first insertion) and slots
// (vertex or −1), open addressing with linear probing, at most half full.
const TAB_KEYS: u32 = 0;
const TAB_SLOTS: u32 = 1;
const TAB_MASK: u32 = 2;
const TAB_SIZE: u32 = 3;
const TAB_CAPACITY: u32 = 4;
const TAB_D: u32 = 5;
/** Bits per coordinate of a packed key (see {@link locatePacked}), 0 for a table of d-i32 keys. */
const TAB_BITS: u32 = 6;
/** Bytes of a table descriptor. */
export const TABLE_DESCRIPTOR_BYTES: u32 = 32;

/**
 * Copies `count` i32 (or f32) words. A plain loop: V8 runs memory.copy and memory.fill as calls
 * into the runtime, which cost more than the copy for the few words of one point.
 */
@inline function copyWords(to: usize, from: usize, count: u32): void {
  for (let k: u32 = 0; k < count; k++) store<u32>(to + (k << 2), load<u32>(from + (k << 2)));
}

@inline function setField(at: usize, k: u32, value: u32): void {
  store<u32>(at + (k << 2), value);
}

@inline function hashKey(key: usize, d: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let k: u32 = 0; k < d; k++) {
    h = (h ^ load<u32>(key + (k << 2))) * 0x01000193;
    h ^= h >> 13;
  }
  h = (h ^ (h >> 16)) * 0x85ebca6b;
  return h ^ (h >> 13);
}

function sameKey(a: usize, b: usize, d: u32): bool {
  for (let k: u32 = 0; k < d; k++) if (load<i32>(a + (k << 2)) != load<i32>(b + (k << 2))) return false;
  return true;
}

/** Starts an empty table at `tab`; false when memory ran out. */
function startTable(tab: usize, d: u32): bool {
  const capacity: u32 = 1024;
  const keys = alloc(capacity * d * 4);
  const slots = alloc(2 * capacity * 4);
  if (keys == 0 || slots == 0) return false;
  memory.fill(slots, 0xff, 2 * capacity * 4);
  setField(tab, TAB_KEYS, keys);
  setField(tab, TAB_SLOTS, slots);
  setField(tab, TAB_MASK, 2 * capacity - 1);
  setField(tab, TAB_SIZE, 0);
  setField(tab, TAB_CAPACITY, capacity);
  setField(tab, TAB_D, d);
  setField(tab, TAB_BITS, 0);
  return true;
}

/** The vertex of `key` (d i32), inserting it when `create`; −1 when absent, −2 when memory ran out. */
function findVertex(tab: usize, key: usize, create: bool): i32 {
  const d = field(tab, TAB_D);
  const keys = <usize>field(tab, TAB_KEYS);
  const slots = <usize>field(tab, TAB_SLOTS);
  const mask = field(tab, TAB_MASK);
  let slot = hashKey(key, d) & mask;
  for (;;) {
    const vertex = load<i32>(slots + (slot << 2));
    if (vertex < 0) break;
    if (sameKey(keys + (<usize>vertex * d << 2), key, d)) return vertex;
    slot = (slot + 1) & mask;
  }
  if (!create) return -1;
  const vertex = field(tab, TAB_SIZE);
  if (vertex == field(tab, TAB_CAPACITY) && !growKeys(tab)) return -2;
  copyWords(<usize>field(tab, TAB_KEYS) + (<usize>vertex * d << 2), key, d);
  store<i32>(slots + (slot << 2), vertex);
  setField(tab, TAB_SIZE, vertex + 1);
  if (((vertex + 1) << 1) >= mask + 1 && !growSlots(tab)) return -2;
  return <i32>vertex;
}

function growKeys(tab: usize): bool {
  const d = field(tab, TAB_D);
  const capacity = field(tab, TAB_CAPACITY) * 2;
  const keys = alloc(capacity * d * 4);
  if (keys == 0) return false;
  memory.copy(keys, field(tab, TAB_KEYS), field(tab, TAB_SIZE) * d * 4);
  setField(tab, TAB_KEYS, keys);
  setField(tab, TAB_CAPACITY, capacity);
  return true;
}

function growSlots(tab: usize): bool {
  const d = field(tab, TAB_D);
  const capacity = (field(tab, TAB_MASK) + 1) * 2;
  const slots = alloc(capacity * 4);
  if (slots == 0) return false;
  memory.fill(slots, 0xff, capacity * 4);
  const mask = capacity - 1;
  const keys = <usize>field(tab, TAB_KEYS);
  const size = field(tab, TAB_SIZE);
  for (let vertex: u32 = 0; vertex < size; vertex++) {
    let slot = hashKey(keys + (<usize>vertex * d << 2), d) & mask;
    while (load<i32>(slots + (slot << 2)) >= 0) slot = (slot + 1) & mask;
    store<i32>(slots + (slot << 2), vertex);
  }
  setField(tab, TAB_SLOTS, slots);
  setField(tab, TAB_MASK, mask);
  return true;
}

/**
 * Locates points start … end − 1 of `features` (f32 `[feature][point]`, n points, d features,
 * already divided by the kernel's standard deviations) and numbers their simplex vertices in a
 * new table at `tab`: writes vertex + 1 into `offsets[i·(d+1) + r]`, the barycentric weights into
 * `weights` and weight·α (α = 1/(1 + 2^−d)) into `sliceWeights`, for those points only. Returns 0,
 * or −1 when memory ran out. densecrf's build step for step in float32: elevation `y = E·f` with
 * scale factors `√(2/3)(d+1)/√((i+1)(i+2))`, the nearest remainder-0 point (rounding half to
 * even), the ranks, the barycentric weights, the d+1 vertex keys; a point in the previous
 * point's simplex reuses its vertices without hashing.
 *
 * With `packed` and d ≤ 7 the vertex keys are packed into one i64 ({@link locatePacked}); when a
 * coordinate does not fit, it returns −3 having written nothing the caller keeps, and the caller
 * locates again without `packed`. Both number the vertices by first insertion, so the lattice is
 * the same either way.
 */
export function locatePoints(tab: usize, features: usize, n: u32, d: u32, start: u32, end: u32, offsets: usize, weights: usize, sliceWeights: usize, packed: bool): i32 {
  if (packed && d >= 1 && d <= PACKED_MAX_D) return locatePacked(tab, features, n, d, start, end, offsets, weights, sliceWeights);
  return locateGeneric(tab, features, n, d, start, end, offsets, weights, sliceWeights);
}

/**
 * The elevation's scale factors `√(2/3)(d+1)/√((i+1)(i+2))` (f32, d of them, at `scale`), as
 * densecrf; returns the slice factor α = 1/(1 + 2^−d).
 */
function elevationScales(scale: usize, d: u32): f32 {
  const invStdDev = <f32>(Math.sqrt(2.0 / 3.0) * <f64>(d + 1));
  for (let i: u32 = 0; i < d; i++) store<f32>(scale + i * 4, <f32>((1.0 / Math.sqrt(<f64>((i + 2) * (i + 1)))) * <f64>invStdDev));
  let power: f64 = 1; // 2^−d
  for (let k: u32 = 0; k < d; k++) power *= 0.5;
  return <f32>(1.0 / (1.0 + power));
}

/** Point i's elevated coordinates `y = E·f` (d + 1 f32 at `elevated`): a running sum from the last feature, in float32. */
@inline function elevate(features: usize, n: u32, d: u32, i: u32, scale: usize, elevated: usize): void {
  let sm: f32 = 0;
  for (let j = d; j > 0; j--) {
    const cf: f32 = load<f32>(features + ((j - 1) * n + i) * 4) * load<f32>(scale + (j - 1) * 4);
    store<f32>(elevated + j * 4, sm - <f32>j * cf);
    sm += cf;
  }
  store<f32>(elevated, sm);
}

/** {@link locatePoints} with a table of d-i32 keys (any d, any coordinate). */
function locateGeneric(tab: usize, features: usize, n: u32, d: u32, start: u32, end: u32, offsets: usize, weights: usize, sliceWeights: usize): i32 {
  const d1 = d + 1;
  const scratch = alloc((9 * d + 10) * 4); // the nine arrays below: 8(d + 1) + (d + 2) words
  if (scratch == 0 || !startTable(tab, d)) return -1;
  const scale = scratch;
  const elevated = scratch + d1 * 4;
  const rem0 = elevated + d1 * 4; // i32
  const rank = rem0 + d1 * 4; // i32
  const residual = rank + d1 * 4;
  const barycentric = residual + d1 * 4; // d + 2 values
  const key = barycentric + (d + 2) * 4; // i32
  const previous = key + d1 * 4; // i32 rem0 then rank: 2(d+1)
  const alpha = elevationScales(scale, d);
  const down: f32 = <f32>(1.0 / <f64>d1);
  let havePrevious = false;
  for (let i = start; i < end; i++) {
    elevate(features, n, d, i, scale, elevated);
    // Nearest remainder-0 point, rounding half to even as SSE's cvtps2dq.
    let sum: i32 = 0;
    for (let k: u32 = 0; k <= d; k++) {
      const v = <i32>nearest<f32>(down * load<f32>(elevated + k * 4));
      store<i32>(rem0 + k * 4, v * <i32>d1);
      sum += v;
      store<i32>(rank + k * 4, 0);
    }
    for (let k: u32 = 0; k <= d; k++) store<f32>(residual + k * 4, load<f32>(elevated + k * 4) - <f32>load<i32>(rem0 + k * 4));
    for (let a: u32 = 0; a < d; a++) {
      const ra = load<f32>(residual + a * 4);
      for (let b = a + 1; b <= d; b++) {
        const aBelow: i32 = ra < load<f32>(residual + b * 4) ? 1 : 0;
        store<i32>(rank + a * 4, load<i32>(rank + a * 4) + aBelow);
        store<i32>(rank + b * 4, load<i32>(rank + b * 4) + 1 - aBelow);
      }
    }
    // Wrap ranks into 0 … d when the rounded point is off the plane.
    for (let k: u32 = 0; k <= d; k++) {
      const r = load<i32>(rank + k * 4) + sum;
      if (r < 0 || r > <i32>d) {
        const shift: i32 = r < 0 ? <i32>d1 : -<i32>d1;
        store<i32>(rank + k * 4, r + shift);
        store<i32>(rem0 + k * 4, load<i32>(rem0 + k * 4) + shift);
        store<f32>(residual + k * 4, load<f32>(elevated + k * 4) - <f32>load<i32>(rem0 + k * 4));
      } else {
        store<i32>(rank + k * 4, r);
      }
    }
    // Barycentric weights.
    for (let k: u32 = 0; k < d + 2; k++) store<f32>(barycentric + k * 4, 0);
    for (let k: u32 = 0; k <= d; k++) {
      const v: f32 = load<f32>(residual + k * 4) * down;
      const at = barycentric + (d - load<i32>(rank + k * 4)) * 4;
      store<f32>(at, load<f32>(at) + v);
      store<f32>(at + 4, load<f32>(at + 4) - v);
    }
    store<f32>(barycentric, load<f32>(barycentric) + (<f32>1 + load<f32>(barycentric + d1 * 4)));
    // Vertices: the previous point's when the simplex is the same, else hashed.
    const base = offsets + i * d1 * 4;
    let same = havePrevious;
    for (let k: u32 = 0; same && k <= d; k++) {
      same = load<i32>(rem0 + k * 4) == load<i32>(previous + k * 4) && load<i32>(rank + k * 4) == load<i32>(previous + (d1 + k) * 4);
    }
    if (same) {
      copyWords(base, base - d1 * 4, d1);
    } else {
      // Vertex r = rem0 + canonical vertex r: each step adds 1 to every coordinate except the
      // one of rank d + 1 − r, which drops by d.
      copyWords(key, rem0, d);
      for (let r: u32 = 0; r <= d; r++) {
        if (r > 0) {
          for (let k: u32 = 0; k < d; k++) {
            const step: i32 = load<i32>(rank + k * 4) == <i32>(d1 - r) ? -<i32>d : 1;
            store<i32>(key + k * 4, load<i32>(key + k * 4) + step);
          }
        }
        const vertex = findVertex(tab, key, true);
        if (vertex < 0) return -1;
        store<i32>(base + r * 4, vertex + 1);
      }
      copyWords(previous, rem0, d1);
      copyWords(previous + d1 * 4, rank, d1);
      havePrevious = true;
    }
    for (let r: u32 = 0; r <= d; r++) {
      const w = load<f32>(barycentric + r * 4);
      store<f32>(weights + (i * d1 + r) * 4, w);
      store<f32>(sliceWeights + (i * d1 + r) * 4, w * alpha);
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Packed keys: for d ≤ 7, a vertex's d coordinates c_k (its key; the last one is −Σ c_k) in one
// u64, `Σ_k (c_k + 2^(b−1)) << (k·b)` with b = min(32, ⌊64/d⌋) bits a field. Hashing is then one
// multiply, comparing one compare, and stepping to a simplex's next vertex or to a blur neighbour
// adds one packed constant (field-wise, as long as no field leaves 0 … 2^b − 1: coordinates are
// kept 2(d+1) away from the ends, which covers every vertex of a point's simplex and its blur
// neighbours). The table holds 16-byte entries {key u64, vertex + 1 u32 (0: empty)}, open
// addressing with linear probing, at most half full, and the keys by vertex (u64 each).

/** Largest d whose keys are packed. */
const PACKED_MAX_D: u32 = 7;
/** Points located before their vertices are looked up (see {@link locatePacked}). */
const LOCATE_BLOCK: u32 = 64;
/** Entries of a new packed table (a power of two). */
const PACKED_START_ENTRIES: u32 = 4096;

@inline function packedBits(d: u32): u32 {
  return min<u32>(32, 64 / d);
}

/** `Σ_{k<d} 1 << (k·b)`: one added to every coordinate of a packed key. */
function packedOnes(d: u32, bits: u32): u64 {
  let ones: u64 = 0;
  for (let k: u32 = 0; k < d; k++) ones |= (<u64>1) << (<u64>(k * bits));
  return ones;
}

/**
 * The blur direction j of a packed key: `(1, …, 1, −d, 1, …, 1)` (−d at position j; all ones for
 * j = d), as a packed difference (wrapping u64 arithmetic).
 */
@inline function packedDirection(ones: u64, j: u32, d: u32, bits: u32): u64 {
  return j < d ? ones - ((<u64>(d + 1)) << (<u64>(j * bits))) : ones;
}

/** Fibonacci hashing: the top half of key × 2^64/φ. */
@inline function packedSlot(key: u64, mask: u32): u32 {
  return <u32>((key * 0x9e3779b97f4a7c15) >> 32) & mask;
}

function startPackedTable(tab: usize, d: u32): bool {
  const keys = alloc(PACKED_START_ENTRIES / 2 * 8);
  const entries = alloc(PACKED_START_ENTRIES * 16);
  if (keys == 0 || entries == 0) return false;
  setField(tab, TAB_KEYS, keys);
  setField(tab, TAB_SLOTS, entries);
  setField(tab, TAB_MASK, PACKED_START_ENTRIES - 1);
  setField(tab, TAB_SIZE, 0);
  setField(tab, TAB_CAPACITY, PACKED_START_ENTRIES / 2);
  setField(tab, TAB_D, d);
  setField(tab, TAB_BITS, packedBits(d));
  return true;
}

/**
 * Looks a packed key up in `entries` (mask + 1 of them): its vertex (≥ 0), or −1 − the empty
 * slot where it would go.
 */
@inline function probePacked(entries: usize, mask: u32, key: u64): i32 {
  let slot = packedSlot(key, mask);
  for (;;) {
    const at = entries + (<usize>slot << 4);
    const stored = load<u32>(at, 8);
    if (stored == 0) return -1 - <i32>slot;
    if (load<u64>(at) == key) return <i32>stored - 1;
    slot = (slot + 1) & mask;
  }
  return 0; // (not reached)
}

/** Inserts a packed key at the empty `slot` {@link probePacked} found: its new vertex, or −2 when memory ran out. */
function insertPacked(tab: usize, key: u64, slot: u32): i32 {
  const vertex = field(tab, TAB_SIZE);
  const at = <usize>field(tab, TAB_SLOTS) + (<usize>slot << 4);
  store<u64>(at, key);
  store<u32>(at, vertex + 1, 8);
  store<u64>(<usize>field(tab, TAB_KEYS) + (<usize>vertex << 3), key);
  setField(tab, TAB_SIZE, vertex + 1);
  if (vertex + 1 == field(tab, TAB_CAPACITY) && !growPacked(tab)) return -2;
  return <i32>vertex;
}

/** The vertex of a packed key, inserting it when `create`; −1 when absent, −2 when memory ran out. */
function findPacked(tab: usize, key: u64, create: bool): i32 {
  const found = probePacked(<usize>field(tab, TAB_SLOTS), field(tab, TAB_MASK), key);
  if (found >= 0) return found;
  return create ? insertPacked(tab, key, <u32>(-1 - found)) : -1;
}

/** Doubles a packed table once it is half full: new entries, rehashed from the keys in vertex order. */
function growPacked(tab: usize): bool {
  const size = field(tab, TAB_SIZE);
  const capacity = field(tab, TAB_CAPACITY) * 2;
  const keys = alloc(capacity * 8);
  const entries = alloc(capacity * 2 * 16);
  if (keys == 0 || entries == 0) return false;
  memory.copy(keys, field(tab, TAB_KEYS), size * 8);
  const mask = capacity * 2 - 1;
  for (let vertex: u32 = 0; vertex < size; vertex++) {
    const key = load<u64>(keys + (<usize>vertex << 3));
    let slot = packedSlot(key, mask);
    while (load<u32>(entries + (<usize>slot << 4), 8) != 0) slot = (slot + 1) & mask;
    const at = entries + (<usize>slot << 4);
    store<u64>(at, key);
    store<u32>(at, vertex + 1, 8);
  }
  setField(tab, TAB_KEYS, keys);
  setField(tab, TAB_SLOTS, entries);
  setField(tab, TAB_MASK, mask);
  setField(tab, TAB_CAPACITY, capacity);
  return true;
}

/**
 * {@link locatePoints} with packed keys, d ≤ 7: the d + 1 coordinates of a point sit in two
 * v128 (lanes 0 … 7), so rounding, ranking and wrapping are a few vector instructions; every lane
 * does the scalar code's float32 operations, so the numbers are the same. The rank of coordinate
 * k is `#{a < k: r_a ≥ r_k} + #{a > k: r_a > r_k}` (r the residuals): the scalar code's pairwise
 * count. Points go in blocks of {@link LOCATE_BLOCK}: first their weights and vertex keys, then the
 * lookups, in point order (so the numbering is the same), in a loop whose independent cache misses
 * overlap. Returns −3 when a coordinate does not fit its field (see above), −1 when memory ran out.
 */
function locatePacked(tab: usize, features: usize, n: u32, d: u32, start: u32, end: u32, offsets: usize, weights: usize, sliceWeights: usize): i32 {
  const d1 = d + 1;
  const scratch = alloc(8 * 32);
  const blockKeys = alloc(LOCATE_BLOCK * 64); // u64 [point][8]: the keys of a block's points (0: the previous point's simplex)
  if (scratch == 0 || blockKeys == 0 || !startPackedTable(tab, d)) return -1;
  const scale = scratch; // f32 [d]
  const elevated = scratch + 32; // f32 [8], lanes > d stay 0
  const residualAt = scratch + 64; // f32 [8]
  const rankAt = scratch + 96; // i32 [8]
  const remAt = scratch + 128; // i32 [8]
  const barycentric = scratch + 160; // f32 [d + 1]
  const inverse = scratch + 224; // i32 [d + 1]: the coordinate of each rank
  const alpha = elevationScales(scale, d);
  const down: f32 = <f32>(1.0 / <f64>d1);
  const bits = packedBits(d);
  const bias: i64 = (<i64>1) << (<i64>(bits - 1));
  const ones = packedOnes(d, bits);
  const lowest = i32x4.splat(<i32>(2 * d1 - bias));
  const highest = i32x4.splat(<i32>(bias - 1 - 2 * d1));
  const downV = f32x4.splat(down);
  const d1V = i32x4.splat(<i32>d1);
  const laneLo = i32x4(0, 1, 2, 3);
  const laneHi = i32x4(4, 5, 6, 7);
  const validLo = i32x4.le_s(laneLo, i32x4.splat(<i32>d));
  const validHi = i32x4.le_s(laneHi, i32x4.splat(<i32>d));
  let entries = <usize>field(tab, TAB_SLOTS);
  let mask = field(tab, TAB_MASK);
  let previousRemLo = i32x4.splat(0);
  let previousRemHi = i32x4.splat(0);
  let previousRankLo = i32x4.splat(-1); // no previous point
  let previousRankHi = i32x4.splat(-1);
  for (let b0 = start; b0 < end; b0 += LOCATE_BLOCK) {
    const b1 = min(end, b0 + LOCATE_BLOCK);
    for (let i = b0; i < b1; i++) {
      elevate(features, n, d, i, scale, elevated);
      const eLo = v128.load(elevated);
      const eHi = v128.load(elevated, 16);
      // Nearest remainder-0 point (f32x4.nearest rounds half to even, as cvtps2dq).
      const vLo = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(downV, eLo)));
      const vHi = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(downV, eHi)));
      const vSum = i32x4.add(vLo, vHi);
      const sum = i32x4.extract_lane(vSum, 0) + i32x4.extract_lane(vSum, 1) + i32x4.extract_lane(vSum, 2) + i32x4.extract_lane(vSum, 3);
      let remLo = i32x4.mul(vLo, d1V);
      let remHi = i32x4.mul(vHi, d1V);
      let resLo = f32x4.sub(eLo, f32x4.convert_i32x4_s(remLo));
      let resHi = f32x4.sub(eHi, f32x4.convert_i32x4_s(remHi));
      v128.store(residualAt, resLo);
      v128.store(residualAt, resHi, 16);
      // Ranks.
      let rankLo = i32x4.splat(sum);
      let rankHi = rankLo;
      for (let a: u32 = 0; a <= d; a++) {
        const ra = f32x4.splat(load<f32>(residualAt + a * 4));
        const av = i32x4.splat(<i32>a);
        rankLo = i32x4.sub(rankLo, v128.bitselect(f32x4.ge(ra, resLo), f32x4.gt(ra, resLo), i32x4.gt_s(laneLo, av)));
        rankHi = i32x4.sub(rankHi, v128.bitselect(f32x4.ge(ra, resHi), f32x4.gt(ra, resHi), i32x4.gt_s(laneHi, av)));
      }
      // Wrap ranks (+ sum, added above) into 0 … d when the rounded point is off the plane.
      const shiftLo = i32x4.sub(v128.and(i32x4.lt_s(rankLo, i32x4.splat(0)), d1V), v128.and(i32x4.gt_s(rankLo, i32x4.splat(<i32>d)), d1V));
      const shiftHi = i32x4.sub(v128.and(i32x4.lt_s(rankHi, i32x4.splat(0)), d1V), v128.and(i32x4.gt_s(rankHi, i32x4.splat(<i32>d)), d1V));
      rankLo = v128.and(i32x4.add(rankLo, shiftLo), validLo);
      rankHi = v128.and(i32x4.add(rankHi, shiftHi), validHi);
      remLo = v128.and(i32x4.add(remLo, shiftLo), validLo);
      remHi = v128.and(i32x4.add(remHi, shiftHi), validHi);
      resLo = f32x4.sub(eLo, f32x4.convert_i32x4_s(remLo));
      resHi = f32x4.sub(eHi, f32x4.convert_i32x4_s(remHi));
      if (v128.any_true(v128.or(v128.or(i32x4.lt_s(remLo, lowest), i32x4.gt_s(remLo, highest)), v128.or(i32x4.lt_s(remHi, lowest), i32x4.gt_s(remHi, highest))))) {
        return -3;
      }
      v128.store(residualAt, resLo);
      v128.store(residualAt, resHi, 16);
      v128.store(rankAt, rankLo);
      v128.store(rankAt, rankHi, 16);
      // Barycentric weights: b_p = v_(rank d − p) − v_(rank d + 1 − p), v = residual/(d + 1), and
      // b_0 += 1 − v_(rank 0) (the scalar code's scatter, gathered: the same roundings).
      v128.store(elevated, f32x4.mul(resLo, downV));
      v128.store(elevated, f32x4.mul(resHi, downV), 16);
      for (let k: u32 = 0; k <= d; k++) store<i32>(inverse + (<u32>load<i32>(rankAt + k * 4)) * 4, <i32>k);
      let above: f32 = load<f32>(elevated + load<u32>(inverse + d * 4) * 4);
      store<f32>(barycentric, (<f32>0 + above) + (<f32>1 + (<f32>0 - load<f32>(elevated + load<u32>(inverse) * 4))));
      for (let p: u32 = 1; p <= d; p++) {
        const v = load<f32>(elevated + load<u32>(inverse + (d - p) * 4) * 4);
        store<f32>(barycentric + p * 4, (<f32>0 + v) - above);
        above = v;
      }
      // Vertex keys, unless the simplex is the previous point's.
      const pointKeys = blockKeys + ((i - b0) << 6);
      const changed = v128.or(v128.or(v128.xor(remLo, previousRemLo), v128.xor(remHi, previousRemHi)), v128.or(v128.xor(rankLo, previousRankLo), v128.xor(rankHi, previousRankHi)));
      if (!v128.any_true(changed)) {
        store<u64>(pointKeys, 0);
      } else {
        // Vertex r = vertex r − 1 + 1 in every coordinate, − (d + 1) in the one of rank d + 1 − r.
        v128.store(remAt, remLo);
        v128.store(remAt, remHi, 16);
        let key: u64 = 0;
        for (let k: u32 = 0; k < d; k++) key |= (<u64>(<i64>load<i32>(remAt + k * 4) + bias)) << (<u64>(k * bits));
          for (let r: u32 = 0; r <= d; r++) {
          if (r > 0) {
            const k = load<u32>(inverse + (d1 - r) * 4);
            key += ones;
            if (k < d) key -= (<u64>d1) << (<u64>(k * bits));
          }
          store<u64>(pointKeys + (r << 3), key);
        }
        previousRemLo = remLo;
        previousRemHi = remHi;
        previousRankLo = rankLo;
        previousRankHi = rankHi;
      }
      for (let r: u32 = 0; r <= d; r++) {
        const w = load<f32>(barycentric + r * 4);
        store<f32>(weights + (i * d1 + r) * 4, w);
        store<f32>(sliceWeights + (i * d1 + r) * 4, w * alpha);
      }
    }
    // The block's vertices, in point order (a tight loop of independent lookups: their cache misses overlap).
    for (let i = b0; i < b1; i++) {
      const pointKeys = blockKeys + ((i - b0) << 6);
      const base = offsets + i * d1 * 4;
      if (load<u64>(pointKeys) == 0) {
        copyWords(base, base - d1 * 4, d1);
        continue;
      }
      for (let r: u32 = 0; r <= d; r++) {
        const key = load<u64>(pointKeys + (r << 3));
        let vertex = probePacked(entries, mask, key);
        if (vertex < 0) {
          vertex = insertPacked(tab, key, <u32>(-1 - vertex));
          if (vertex < 0) return -1;
          entries = <usize>field(tab, TAB_SLOTS); // (grown)
          mask = field(tab, TAB_MASK);
        }
        store<i32>(base + r * 4, vertex + 1);
      }
    }
  }
  return 0;
}

/**
 * Adds the vertices of table `from` (numbered by {@link locatePoints} for points start … end − 1)
 * to table `into`, and renumbers those points' offsets accordingly. Returns 0, or −1 when memory
 * ran out.
 */
export function mergeTable(into: usize, from: usize, offsets: usize, d: u32, start: u32, end: u32): i32 {
  const size = field(from, TAB_SIZE);
  const renumber = alloc(size * 4);
  if (renumber == 0) return -1;
  const keys = <usize>field(from, TAB_KEYS);
  const packed = field(from, TAB_BITS) != 0;
  for (let v: u32 = 0; v < size; v++) {
    const vertex = packed ? findPacked(into, load<u64>(keys + (<usize>v << 3)), true) : findVertex(into, keys + (<usize>v * d << 2), true);
    if (vertex < 0) return -1;
    store<i32>(renumber + v * 4, vertex + 1);
  }
  for (let q = start * (d + 1); q < end * (d + 1); q++) {
    const at = offsets + q * 4;
    store<i32>(at, load<i32>(renumber + (load<u32>(at) - 1) * 4));
  }
  return 0;
}

/** Vertices in table `tab`. */
export function tableSize(tab: usize): u32 {
  return field(tab, TAB_SIZE);
}

/**
 * For vertices v0 … v1 − 1 of table `tab` and every direction j, the numbers (+1, 0 = absent) of
 * the blur neighbours `v ± (1, …, 1, −d, 1, …, 1)` (−d at position j; all ±1 for j = d), at
 * `neighbours + ((j·m + v)·2 + 0|1)·4` (fresh memory: zero). Only reads the table, so ranges may
 * run on several threads; with packed keys, each vertex's upper neighbour u is looked up and v
 * written as u's lower one too (half the lookups; the same result).
 */
export function findNeighbours(tab: usize, neighbours: usize, v0: u32, v1: u32): i32 {
  const d = field(tab, TAB_D);
  const m = field(tab, TAB_SIZE);
  const keys = <usize>field(tab, TAB_KEYS);
  const bits = field(tab, TAB_BITS);
  if (bits != 0) {
    const ones = packedOnes(d, bits);
    const entries = <usize>field(tab, TAB_SLOTS);
    const mask = field(tab, TAB_MASK);
    for (let j: u32 = 0; j <= d; j++) {
      const step = packedDirection(ones, j, d, bits);
      // u = v + step means v = u − step: one lookup finds both (a lower neighbour is written by
      // the thread of its vertex's own lower neighbour, so no two threads write the same word).
      const row = neighbours + ((j * m) << 3);
      for (let v = v0; v < v1; v++) {
        const upper = probePacked(entries, mask, load<u64>(keys + (<usize>v << 3)) + step);
        if (upper >= 0) {
          store<i32>(row + (<usize>v << 3), upper + 1, 4);
          store<i32>(row + (<usize>upper << 3), <i32>v + 1);
        }
      }
    }
    return 0;
  }
  const lower = alloc(d * 8);
  if (lower == 0) return -1;
  const upper = lower + d * 4;
  for (let j: u32 = 0; j <= d; j++) {
    for (let v = v0; v < v1; v++) {
      const keyAt = keys + (<usize>v * d << 2);
      for (let k: u32 = 0; k < d; k++) {
        const c = load<i32>(keyAt + k * 4);
        store<i32>(lower + k * 4, k == j ? c + <i32>d : c - 1);
        store<i32>(upper + k * 4, k == j ? c - <i32>d : c + 1);
      }
      const at = neighbours + ((j * m + v) << 3);
      store<i32>(at, findVertex(tab, lower, false) + 1);
      store<i32>(at + 4, findVertex(tab, upper, false) + 1);
    }
  }
  return 0;
}

/** Writes the lattice descriptor at `lat`. */
export function describeLattice(lat: usize, d: u32, n: u32, m: u32, offsets: usize, weights: usize, sliceWeights: usize, neighbours: usize): void {
  store<u32>(lat + LAT_D * 4, d);
  store<u32>(lat + LAT_N * 4, n);
  store<u32>(lat + LAT_M * 4, m);
  store<u32>(lat + LAT_OFFSETS * 4, <u32>offsets);
  store<u32>(lat + LAT_WEIGHTS * 4, <u32>weights);
  store<u32>(lat + LAT_SLICE * 4, <u32>sliceWeights);
  store<u32>(lat + LAT_NEIGHBOURS * 4, <u32>neighbours);
}

// ---------------------------------------------------------------------------------------------
// Filtering

/** Bytes of the filtering buffers of `chunks` chunks on a lattice of m vertices (each of two). */
export function filterBufferBytes(lat: usize, chunks: u32): u32 {
  return (field(lat, LAT_M) + 1) * chunks * 16;
}

/**
 * Filters chunks c0 … c1 − 1 of the chunk-major label vectors `values` into `out`:
 * `out_i = outScale_i · α Σ_r w_ir · (B_d ⋯ B_0 · S (inScale ⊙ v))[vertex_ir]` — splat S, blur
 * `B_j: v ← v + ½(v₋ + v₊)` along direction j (d … 0 when `reverse`, the transpose), slice.
 * `inScale`/`outScale` are f32 per point, or 0 for none; `a` and `b` hold
 * {@link filterBufferBytes}(lat, c1 − c0) bytes each. Each lane's arithmetic does not depend on
 * the chunk range, so any split of the chunks gives the same numbers.
 */
export function filter(
  lat: usize,
  values: usize,
  out: usize,
  inScale: usize,
  outScale: usize,
  reverse: bool,
  a: usize,
  b: usize,
  c0: u32,
  c1: u32,
): void {
  for (let c = c0; c < c1; c += FILTER_BLOCK) filterBlock(lat, values, out, inScale, outScale, reverse, a, b, c, min(c1, c + FILTER_BLOCK));
}

/**
 * Chunks filtered at once: their lattice buffer (vertices × block × 16 bytes) is small enough to
 * stay in the L2 cache on images of a few hundred thousand pixels, where the splat and the slice
 * reach vertices at random; the point data they stream through again per block is read in order.
 */
const FILTER_BLOCK: u32 = 2;

function filterBlock(
  lat: usize,
  values: usize,
  out: usize,
  inScale: usize,
  outScale: usize,
  reverse: bool,
  a: usize,
  b: usize,
  c0: u32,
  c1: u32,
): void {
  const d = field(lat, LAT_D);
  const n = field(lat, LAT_N);
  const m = field(lat, LAT_M);
  const d1 = d + 1;
  const offsets = <usize>field(lat, LAT_OFFSETS);
  const weights = <usize>field(lat, LAT_WEIGHTS);
  const cc = c1 - c0;
  const row = cc << 4;
  memory.fill(a, 0, (m + 1) * row);
  // Splat.
  for (let i: u32 = 0; i < n; i++) {
    const s = f32x4.splat(inScale == 0 ? <f32>1 : load<f32>(inScale + i * 4));
    const q = i * d1 * 4;
    for (let c: u32 = 0; c < cc; c++) {
      const v = f32x4.mul(v128.load(values + (((c0 + c) * n + i) << 4)), s);
      for (let r: u32 = 0; r < d1; r++) {
        const at = a + <usize>load<u32>(offsets + q + r * 4) * row + (c << 4);
        v128.store(at, f32x4.add(v128.load(at), f32x4.mul(f32x4.splat(load<f32>(weights + q + r * 4)), v)));
      }
    }
  }
  // Blur along each direction.
  const neighbours = <usize>field(lat, LAT_NEIGHBOURS);
  const half = f32x4.splat(0.5);
  let from = a;
  let to = b;
  memory.fill(b, 0, row);
  for (let step: u32 = 0; step <= d; step++) {
    const j = reverse ? d - step : step;
    let nb = neighbours + ((j * m) << 3);
    for (let v: u32 = 0; v < m; v++, nb += 8) {
      const lower = from + <usize>load<u32>(nb) * row;
      const upper = from + <usize>load<u32>(nb + 4) * row;
      const self = (v + 1) * row;
      for (let c: u32 = 0; c < row; c += 16) {
        const blurred = f32x4.add(v128.load(from + self + c), f32x4.mul(half, f32x4.add(v128.load(lower + c), v128.load(upper + c))));
        v128.store(to + self + c, blurred);
      }
    }
    const swap = from;
    from = to;
    to = swap;
  }
  // Slice.
  const sliceWeights = <usize>field(lat, LAT_SLICE);
  for (let i: u32 = 0; i < n; i++) {
    const q = i * d1 * 4;
    const s = f32x4.splat(outScale == 0 ? <f32>1 : load<f32>(outScale + i * 4));
    for (let c: u32 = 0; c < cc; c++) {
      let acc = f32x4.splat(0);
      for (let r: u32 = 0; r < d1; r++) {
        const at = from + <usize>load<u32>(offsets + q + r * 4) * row + (c << 4);
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(sliceWeights + q + r * 4)), v128.load(at)));
      }
      v128.store(out + (((c0 + c) * n + i) << 4), f32x4.mul(acc, s));
    }
  }
}

/**
 * The filter of one chunk (chunk c of `values` into `out`) in stages that threads can share
 * without changing a bit: {@link splatVertices} (every point, the vertices v0 … v1 − 1 only: each
 * vertex still receives its splats in point order), {@link blurVertices} (one direction, vertices
 * v0 … v1 − 1), {@link slicePoints} (points i0 … i1 − 1). Buffers as {@link filter}'s for one chunk,
 * zero-filled before the splat. The same arithmetic as {@link filter}, lane for lane.
 */
export function splatVertices(lat: usize, values: usize, inScale: usize, a: usize, c: u32, v0: u32, v1: u32): void {
  const d1 = field(lat, LAT_D) + 1;
  const n = field(lat, LAT_N);
  const offsets = <usize>field(lat, LAT_OFFSETS);
  const weights = <usize>field(lat, LAT_WEIGHTS);
  for (let i: u32 = 0; i < n; i++) {
    const q = i * d1 * 4;
    for (let r: u32 = 0; r < d1; r++) {
      const row = load<u32>(offsets + q + r * 4); // vertex + 1
      if (row - 1 < v0 || row - 1 >= v1) continue;
      const s = f32x4.splat(inScale == 0 ? <f32>1 : load<f32>(inScale + i * 4));
      const v = f32x4.mul(v128.load(values + ((c * n + i) << 4)), s);
      const at = a + (<usize>row << 4);
      v128.store(at, f32x4.add(v128.load(at), f32x4.mul(f32x4.splat(load<f32>(weights + q + r * 4)), v)));
    }
  }
}

/** One blur direction j of a one-chunk buffer, `to_v = from_v + ½(from_v₋ + from_v₊)` for vertices v0 … v1 − 1 (see {@link splatVertices}). */
export function blurVertices(lat: usize, from: usize, to: usize, j: u32, v0: u32, v1: u32): void {
  const m = field(lat, LAT_M);
  const half = f32x4.splat(0.5);
  let nb = <usize>field(lat, LAT_NEIGHBOURS) + ((j * m + v0) << 3);
  for (let v = v0; v < v1; v++, nb += 8) {
    const lower = v128.load(from + (<usize>load<u32>(nb) << 4));
    const upper = v128.load(from + (<usize>load<u32>(nb, 4) << 4));
    const self = (<usize>(v + 1)) << 4;
    v128.store(to + self, f32x4.add(v128.load(from + self), f32x4.mul(half, f32x4.add(lower, upper))));
  }
}

/** The slice of a one-chunk buffer into chunk c of `out`, points i0 … i1 − 1 (see {@link splatVertices}). */
export function slicePoints(lat: usize, from: usize, out: usize, outScale: usize, c: u32, i0: u32, i1: u32): void {
  const d1 = field(lat, LAT_D) + 1;
  const n = field(lat, LAT_N);
  const offsets = <usize>field(lat, LAT_OFFSETS);
  const sliceWeights = <usize>field(lat, LAT_SLICE);
  for (let i = i0; i < i1; i++) {
    const q = i * d1 * 4;
    let acc = f32x4.splat(0);
    for (let r: u32 = 0; r < d1; r++) {
      const at = from + (<usize>load<u32>(offsets + q + r * 4) << 4);
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(sliceWeights + q + r * 4)), v128.load(at)));
    }
    const s = f32x4.splat(outScale == 0 ? <f32>1 : load<f32>(outScale + i * 4));
    v128.store(out + ((c * n + i) << 4), f32x4.mul(acc, s));
  }
}

/**
 * Normalisation factors of a kernel from `ones` = K·1 (one f32 a point, in place):
 * `1/√(K1 + 1e-20)` (symmetric) or `1/(K1 + 1e-20)` (before, after), as densecrf.
 */
export function normalise(ones: usize, n: u32, symmetric: bool): void {
  for (let i: u32 = 0; i < n; i++) {
    const s = <f64>load<f32>(ones + i * 4) + 1e-20;
    store<f32>(ones + i * 4, <f32>(symmetric ? 1.0 / Math.sqrt(s) : 1.0 / s));
  }
}

// ---------------------------------------------------------------------------------------------
// Mean-field update

// Fields of an update descriptor (i32 each): labels, n, −U, out, term count; then three per term.
const UPD_LABELS: u32 = 0;
const UPD_N: u32 = 1;
const UPD_NEG_UNARY: u32 = 2;
const UPD_OUT: u32 = 3;
const UPD_TERMS: u32 = 4;
const UPD_FIRST_TERM: u32 = 5;
/** Compatibility kinds of a term (its second field points at its weights). */
const POTTS: u32 = 0; // one f32 w: energy += w·m
const DIAGONAL: u32 = 1; // C v128 of w_l (0 in padding): energy −= w_l·m_l
const MATRIX: u32 = 2; // L × C v128: column l′ of W, chunk c: energy_l −= Σ_l′ W_ll′·m_l′

/**
 * `e^x` of each lane, x ≤ 0 (larger x are not used): Cody–Waite reduction `x = k·ln2 + r` and
 * Cephes' degree-6 polynomial for e^r (relative error ≈ 2 float32 ulp); x below −87.3 gives
 * e^−87.3 ≈ 1.2e-38 (the padding lanes are masked afterwards).
 */
@inline function expLanes(x: v128): v128 {
  const clamped = f32x4.pmax(x, f32x4.splat(-87.33654)); // (pmax: one maxps; NaN still propagates from x)
  const k = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(1.44269504)));
  let r = f32x4.sub(clamped, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^k: k + 127 (1 … 127, an integer) lands in the low mantissa bits of 2^23 + k + 127, exactly.
  const power = i32x4.shl(f32x4.add(k, f32x4.splat(8388608.0 + 127.0)), 23);
  return v128.andnot(f32x4.mul(p, power), f32x4.lt(x, f32x4.splat(-87.33654)));
}

/** The largest lane of `v` in every lane (pmax: maxps, no NaN fix-up; energies are not NaN). */
@inline function horizontalMax(v: v128): v128 {
  const pairs = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.pmax(pairs, v128.shuffle<f32>(pairs, pairs, 1, 0, 3, 2));
}

@inline function horizontalSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Lanes of chunk c that hold labels (< L): all ones, else zero. */
@inline function labelMask(c: u32, labels: u32): v128 {
  const lane = i32x4.add(i32x4.splat(<i32>(c << 2)), i32x4(0, 1, 2, 3));
  return i32x4.lt_s(lane, i32x4.splat(<i32>labels));
}

/**
 * At points i0 … i1 − 1: `energy = −U − Σ_t μ_t(m_t)` term by term (Potts `+w·m`, diagonal
 * `−w_l·m_l`, matrix `−Σ_l′ W_ll′ m_l′`), then `out = softmax(energy)` over the labels
 * (densecrf's expAndNormalize: `exp(e − max) / Σ exp(e − max)`). Point-wise, so any split of the
 * points gives the same numbers. `out` may be a message of no later use, never −U.
 */
export function meanFieldUpdate(upd: usize, i0: u32, i1: u32): void {
  const labels = field(upd, UPD_LABELS);
  const n = field(upd, UPD_N);
  const out = <usize>field(upd, UPD_OUT);
  const terms = field(upd, UPD_TERMS);
  const chunks = (labels + 3) >> 2;
  // Term by term over the points (each loop with its weights in registers), then the softmax.
  let base = <usize>field(upd, UPD_NEG_UNARY);
  for (let t: u32 = 0; t < terms; t++) {
    const kind = field(upd, UPD_FIRST_TERM + 3 * t);
    const message = <usize>field(upd, UPD_FIRST_TERM + 3 * t + 1);
    const w = <usize>field(upd, UPD_FIRST_TERM + 3 * t + 2);
    for (let c: u32 = 0; c < chunks; c++) {
      const wc = kind == POTTS ? f32x4.splat(load<f32>(w)) : v128.load(w + (c << 4));
      for (let i = i0; i < i1; i++) {
        const at = (c * n + i) << 4;
        let e = v128.load(base + at);
        if (kind == POTTS) {
          e = f32x4.add(e, f32x4.mul(wc, v128.load(message + at)));
        } else if (kind == DIAGONAL) {
          e = f32x4.sub(e, f32x4.mul(wc, v128.load(message + at)));
        } else {
          let acc = f32x4.splat(0);
          for (let l: u32 = 0; l < labels; l++) {
            const ml = load<f32>(message + ((((l >> 2) * n + i) << 4) | ((l & 3) << 2)));
            acc = f32x4.add(acc, f32x4.mul(v128.load(w + ((l * chunks + c) << 4)), f32x4.splat(ml)));
          }
          e = f32x4.sub(e, acc);
        }
        v128.store(out + at, e);
      }
    }
    base = out;
  }
  softmaxPoints(base, out, labels, n, i0, i1);
}

/** `out = exp(e − max) / Σ exp(e − max)` over the labels of points i0 … i1 − 1 of `energy` (may be `out`). */
function softmaxPoints(energy: usize, out: usize, labels: u32, n: u32, i0: u32, i1: u32): void {
  const chunks = (labels + 3) >> 2;
  const lastMask = labelMask(chunks - 1, labels);
  const last = chunks - 1;
  for (let i = i0; i < i1; i++) {
    let mx = v128.bitselect(v128.load(energy + ((last * n + i) << 4)), f32x4.splat(-Infinity), lastMask);
    for (let c: u32 = 0; c < last; c++) mx = f32x4.pmax(mx, v128.load(energy + ((c * n + i) << 4)));
    const top = horizontalMax(mx);
    let sum = f32x4.splat(0);
    for (let c: u32 = 0; c < chunks; c++) {
      let p = expLanes(f32x4.sub(v128.load(energy + ((c * n + i) << 4)), top));
      if (c == last) p = v128.and(p, lastMask);
      sum = f32x4.add(sum, p);
      v128.store(out + ((c * n + i) << 4), p);
    }
    const inverse = f32x4.splat(<f32>1 / horizontalSum(sum));
    for (let c: u32 = 0; c < chunks; c++) {
      const at = out + ((c * n + i) << 4);
      v128.store(at, f32x4.mul(v128.load(at), inverse));
    }
  }
}

/** `softmax(−U)` at points i0 … i1 − 1 (the starting Q). */
export function softmax(negUnary: usize, out: usize, labels: u32, n: u32, i0: u32, i1: u32): void {
  softmaxPoints(negUnary, out, labels, n, i0, i1);
}

/** Planar `[label][point]` f32 → chunk-major (padding lanes `pad`), and back. */
export function toChunks(planar: usize, chunked: usize, labels: u32, n: u32, pad: f32): void {
  const chunks = (labels + 3) >> 2;
  for (let c: u32 = 0; c < chunks; c++) {
    for (let lane: u32 = 0; lane < 4; lane++) {
      const l = (c << 2) + lane;
      const to = chunked + ((c * n) << 4) + (lane << 2);
      if (l < labels) {
        const from = planar + ((l * n) << 2);
        for (let i: u32 = 0; i < n; i++) store<f32>(to + (i << 4), load<f32>(from + (i << 2)));
      } else {
        for (let i: u32 = 0; i < n; i++) store<f32>(to + (i << 4), pad);
      }
    }
  }
}

/** Chunk-major → planar `[label][point]`. */
export function fromChunks(chunked: usize, planar: usize, labels: u32, n: u32): void {
  for (let l: u32 = 0; l < labels; l++) {
    const from = chunked + (((l >> 2) * n) << 4) + ((l & 3) << 2);
    const to = planar + ((l * n) << 2);
    for (let i: u32 = 0; i < n; i++) store<f32>(to + (i << 2), load<f32>(from + (i << 4)));
  }
}
