/**
 * 8-bit images and their PNG encoding with sharp. Pixels are interleaved 8-bit, row-major.
 * Reading image files is in image-file.ts.
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
