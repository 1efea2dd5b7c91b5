/**
 * Grouped convolution (Krizhevsky et al., NIPS 2012; Caffe's `convolution_param.group`): with G
 * groups, output channel o of group g = ⌊o / (out/G)⌋ sees only the input channels
 * [g·in/G, (g+1)·in/G), and the kernel stores only those, `(kh, kw, in/G, out)` in tfjs' layout. The
 * CAM authors' VGG16-GAP has `group: 2` on CAM_conv. tfjs' conv2d has no groups, so the kernel is
 * expanded to the equivalent dense one, zero outside each output's group:
 *
 *   K[u, v, c, o] = K_g[u, v, c − g·in/G, o]  if ⌊c / (in/G)⌋ = g = ⌊o / (out/G)⌋, else 0.
 */

/**
 * Expands a grouped kernel `(kh, kw, inPerGroup, out)` to the dense `(kh, kw, inPerGroup·groups, out)`.
 *
 * @throws RangeError when `out` is not a multiple of `groups` or the data length does not match.
 */
export function expandGroupedKernel(
  data: Float32Array,
  kh: number,
  kw: number,
  inPerGroup: number,
  out: number,
  groups: number,
): Float32Array {
  if (!Number.isInteger(groups) || groups < 1 || out % groups !== 0) {
    throw new RangeError(`grouped kernel: ${out} outputs cannot be split into ${groups} groups`);
  }
  if (data.length !== kh * kw * inPerGroup * out) {
    throw new RangeError(`grouped kernel (${kh}, ${kw}, ${inPerGroup}, ${out}): expected ${kh * kw * inPerGroup * out} values, got ${data.length}`);
  }
  const inC = inPerGroup * groups;
  const outPerGroup = out / groups;
  const result = new Float32Array(kh * kw * inC * out);
  for (let uv = 0; uv < kh * kw; uv++) {
    for (let c = 0; c < inPerGroup; c++) {
      for (let o = 0; o < out; o++) {
        const g = Math.floor(o / outPerGroup);
        result[(uv * inC + g * inPerGroup + c) * out + o] = data[(uv * inPerGroup + c) * out + o];
      }
    }
  }
  return result;
}
