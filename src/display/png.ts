/**
 * 8-bit images and their PNG encoding with sharp. Pixels are interleaved 8-bit, row-major.
 * Reading image files is in image-file.ts.
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
