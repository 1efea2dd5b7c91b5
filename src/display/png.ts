/**
 * Encoding and decoding images with sharp. Pixels are interleaved 8-bit, row-major.
 */
import sharp from 'sharp';

/** An 8-bit image: `width × height × channels` bytes, interleaved, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). @default 3 */
  readonly channels?: 1 | 3 | 4;
  readonly data: Uint8Array;
}

/** Checks an {@link RgbImage}'s size and data length, naming what is wrong. */
export function assertImage(image: RgbImage, what = 'image'): void {
  const channels = image.channels ?? 3;
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width <= 0 || image.height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${image.width}×${image.height}`);
  }
  if (![1, 3, 4].includes(channels)) throw new RangeError(`${what}: channels must be 1, 3 or 4, got ${channels}`);
  const expected = image.width * image.height * channels;
  if (image.data.length !== expected) {
    throw new RangeError(
      `${what} ${image.width}×${image.height}×${channels}: data must have ${expected} bytes, got ${image.data.length}`,
    );
  }
}

/** Encodes an image as PNG. */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  assertImage(image);
  const channels = image.channels ?? 3;
  const buffer = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels },
  })
    .png()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Options of {@link readImage}. */
export interface ReadImageOptions {
  /** Resize to this width and height (cover, centred crop) when given. */
  readonly size?: { readonly width: number; readonly height: number };
}

/** Reads an image file (PNG, JPEG, WebP, …) as 8-bit RGB, alpha flattened onto white. */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  let pipeline = sharp(file).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb');
  if (options.size) pipeline = pipeline.resize(options.size.width, options.size.height, { fit: 'cover' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
