/**
 * Encoding and decoding images with sharp. Pixels are interleaved 8-bit, row-major.
 */
import sharp from 'sharp';
import { assertImage, RgbImage } from '../types';

export type { RgbImage } from '../types';
export { assertImage } from '../types';

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
