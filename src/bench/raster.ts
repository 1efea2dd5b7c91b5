/**
 * Pixel work of the benchmark generator on typed arrays: bilinear crops of photographs and affine
 * warps of premultiplied RGBA sprites, composited with the Porter–Duff "over" operator
 * (Porter & Duff, "Compositing digital images", SIGGRAPH 1984):
 * `C_out = C_sprite + (1 − α_sprite) · C_background` with `C_sprite` premultiplied by its alpha.
 *
 * Pixel centres sit at half-integers: pixel `(x, y)` covers `[x, x+1) × [y, y+1)` and is sampled
 * at `(x + 0.5, y + 0.5)`, in the source as in the destination.
 */

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A square RGBA sprite with colour premultiplied by alpha, all channels in [0, 1]. */
export interface Sprite {
  readonly size: number;
  /** `size × size × 4` floats: r·α, g·α, b·α, α. */
  readonly data: Float32Array;
}

/** An axis-aligned rectangle of a source image, in pixels (may be fractional). */
export interface CropRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where and how a sprite is drawn: centre, side in output pixels, rotation, mirror, colour gains. */
export interface SpritePlacement {
  /** Centre of the sprite in output pixel coordinates (continuous; pixel centres at +0.5). */
  readonly cx: number;
  readonly cy: number;
  /** Side of the drawn sprite square, in output pixels. */
  readonly side: number;
  /** Rotation in radians (the sign only chooses the direction; the range is symmetric). */
  readonly angle: number;
  /** Mirror the sprite left–right before rotating. */
  readonly flip: boolean;
  /** Multiplicative gain per colour channel (r, g, b). */
  readonly gains: readonly [number, number, number];
  /** An affine colour map applied before the gains (see {@link ColorMap}); none when absent. */
  readonly colorMap?: ColorMap;
}

/**
 * An affine map of straight colour `c ∈ [0, 1]³`, `c' = M c + t`, applied to a premultiplied
 * sprite as `c'α = M (cα) + t α` (exact, since the map is affine). Greyscale, hue rotation,
 * channel swaps, inversion (`M = −I`, `t = 1`) and flat fills (`M = 0`) are all of this form.
 */
export interface ColorMap {
  /** Row-major 3×3 matrix `M`. */
  readonly matrix: readonly number[];
  /** Offset `t`. */
  readonly offset: readonly [number, number, number];
}

/** Converts straight (non-premultiplied) 8-bit RGBA to a premultiplied float {@link Sprite}. */
export function premultiplyRgba(rgba: Uint8Array, size: number): Sprite {
  if (rgba.length !== size * size * 4) {
    throw new RangeError(`premultiplyRgba: expected ${size}×${size}×4 = ${size * size * 4} bytes, got ${rgba.length}`);
  }
  const data = new Float32Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] / 255;
    data[i] = (rgba[i] / 255) * a;
    data[i + 1] = (rgba[i + 1] / 255) * a;
    data[i + 2] = (rgba[i + 2] / 255) * a;
    data[i + 3] = a;
  }
  return { size, data };
}

/**
 * Resamples the rectangle `crop` of `src` bilinearly to `outWidth × outHeight` floats in [0, 255]
 * (RGB, row-major), optionally mirrored left–right. Samples outside the source are clamped to the
 * border.
 */
export function cropBilinear(
  src: RgbImage,
  crop: CropRect,
  outWidth: number,
  outHeight: number,
  mirror = false,
): Float32Array {
  const out = new Float32Array(outWidth * outHeight * 3);
  const sx = crop.width / outWidth;
  const sy = crop.height / outHeight;
  const { width: W, height: H, data } = src;
  for (let y = 0; y < outHeight; y++) {
    const v = Math.min(Math.max(crop.y + (y + 0.5) * sy - 0.5, 0), H - 1);
    const y0 = Math.floor(v);
    const y1 = Math.min(y0 + 1, H - 1);
    const fy = v - y0;
    for (let x = 0; x < outWidth; x++) {
      const xo = mirror ? outWidth - 1 - x : x;
      const u = Math.min(Math.max(crop.x + (xo + 0.5) * sx - 0.5, 0), W - 1);
      const x0 = Math.floor(u);
      const x1 = Math.min(x0 + 1, W - 1);
      const fx = u - x0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const i00 = (y0 * W + x0) * 3;
      const i10 = (y0 * W + x1) * 3;
      const i01 = (y1 * W + x0) * 3;
      const i11 = (y1 * W + x1) * 3;
      const o = (y * outWidth + x) * 3;
      for (let c = 0; c < 3; c++) {
        out[o + c] = w00 * data[i00 + c] + w10 * data[i10 + c] + w01 * data[i01 + c] + w11 * data[i11 + c];
      }
    }
  }
  return out;
}

/**
 * Half the side of the axis-aligned box around a square of side `side` rotated by `angle`:
 * `(side / 2) · (|cos θ| + |sin θ|)`.
 */
export function rotatedHalfExtent(side: number, angle: number): number {
  return (side / 2) * (Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle)));
}

/** `M (r, g, b) + t a` for premultiplied `(r, g, b)` of alpha `a`, clamped to `[0, a]`. */
function applyColorMap(map: ColorMap, r: number, g: number, b: number, a: number): [number, number, number] {
  const m = map.matrix;
  const t = map.offset;
  const clamp = (v: number): number => (v < 0 ? 0 : v > a ? a : v);
  return [
    clamp(m[0] * r + m[1] * g + m[2] * b + t[0] * a),
    clamp(m[3] * r + m[4] * g + m[5] * b + t[1] * a),
    clamp(m[6] * r + m[7] * g + m[8] * b + t[2] * a),
  ];
}

/**
 * Draws `sprite` onto `canvas` (RGB floats in [0, 255], `width × height`) with the "over"
 * operator, through the inverse affine map of `placement`, sampling the premultiplied sprite
 * bilinearly (exact for the alpha channel: alpha is linear in the samples, so edges stay soft).
 *
 * When `alphaOut` is given, the sprite's own alpha is written into it (`max` with what is there),
 * which is the object's soft mask when the sprite is drawn last.
 */
export function drawSprite(
  canvas: Float32Array,
  width: number,
  height: number,
  sprite: Sprite,
  placement: SpritePlacement,
  alphaOut?: Float32Array,
): void {
  const { cx, cy, side, angle, flip, gains, colorMap } = placement;
  const n = sprite.size;
  const data = sprite.data;
  const scale = n / side; // source pixels per output pixel
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const extent = rotatedHalfExtent(side, angle) + 1;
  const xStart = Math.max(0, Math.floor(cx - extent));
  const xEnd = Math.min(width - 1, Math.ceil(cx + extent));
  const yStart = Math.max(0, Math.floor(cy - extent));
  const yEnd = Math.min(height - 1, Math.ceil(cy + extent));
  const half = n / 2;
  const [gr, gg, gb] = gains;
  for (let y = yStart; y <= yEnd; y++) {
    const dy = y + 0.5 - cy;
    for (let x = xStart; x <= xEnd; x++) {
      const dx = x + 0.5 - cx;
      // Inverse rotation (the forward map rotates counter-clockwise on screen, y down).
      let su = (cos * dx - sin * dy) * scale;
      const sv = (sin * dx + cos * dy) * scale;
      if (flip) su = -su;
      const u = su + half - 0.5;
      const v = sv + half - 0.5;
      if (u <= -1 || v <= -1 || u >= n || v >= n) continue;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < 4; k++) {
        const xi = x0 + (k & 1);
        const yi = y0 + (k >> 1);
        if (xi < 0 || yi < 0 || xi >= n || yi >= n) continue;
        const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
        const i = (yi * n + xi) * 4;
        r += w * data[i];
        g += w * data[i + 1];
        b += w * data[i + 2];
        a += w * data[i + 3];
      }
      if (a <= 0) continue;
      if (colorMap !== undefined) [r, g, b] = applyColorMap(colorMap, r, g, b, a);
      const o = (y * width + x) * 3;
      const keep = 1 - a;
      canvas[o] = canvas[o] * keep + 255 * r * gr;
      canvas[o + 1] = canvas[o + 1] * keep + 255 * g * gg;
      canvas[o + 2] = canvas[o + 2] * keep + 255 * b * gb;
      if (alphaOut !== undefined) {
        const p = y * width + x;
        if (a > alphaOut[p]) alphaOut[p] = a;
      }
    }
  }
}

/** Rounds RGB floats to bytes, clamping to [0, 255]. */
export function toBytes(canvas: Float32Array): Uint8Array {
  const out = new Uint8Array(canvas.length);
  for (let i = 0; i < canvas.length; i++) {
    const v = Math.round(canvas[i]);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
