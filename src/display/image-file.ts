/**
 * Reading a user's image file (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG) with sharp, with errors that
 * name the file and say what is wrong with it: missing (and which folder was searched), a folder,
 * empty, not an image, damaged or truncated, or larger than {@link MAX_IMAGE_PIXELS}.
 */
import * as fs from 'fs';
import sharp from 'sharp';
import type { RgbImage } from './png';
import { notebookFolder, resolveFromNotebook } from '../paths';

/**
 * Largest image {@link readImage} decodes, in pixels (width × height): 100 megapixels, about 300 MB
 * of RGB once decoded (sharp's own default limit is 268 Mpx).
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** Options of {@link readImage}. */
export interface ReadImageOptions {
  /** Resize to this width and height (cover, centred crop) when given. */
  readonly size?: { readonly width: number; readonly height: number };
}

/** An image file that cannot be read; the message names the file and the problem. Shown without a stack. */
export class ImageFileError extends Error {
  /** The file name as given. */
  declare readonly file: string;

  constructor(file: string, problem: string) {
    super(`image '${file}': ${problem}`);
    this.name = 'ImageFileError';
    // Not enumerable: a notebook then prints the message alone, not `{ file: … }` after it.
    Object.defineProperty(this, 'file', { value: file, enumerable: false });
    // The message says it all; the frames would be sharp's and the kernel's.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** What the first bytes of a file look like, for "not an image" messages. */
function describeStart(file: string): string {
  const bytes = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, bytes, 0, bytes.length, 0);
    const head = bytes.subarray(0, n);
    const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
    return printable ? `it starts with the text '${head.toString('latin1').replace(/\s+/g, ' ')}'` : `it starts with the bytes ${head.toString('hex').replace(/(..)/g, '$1 ').trim()}`;
  } finally {
    fs.closeSync(fd);
  }
}

/** Checks that `absolute` is a non-empty file, naming the searched folder when it is missing. */
function assertReadableFile(file: string, absolute: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    const where = file === absolute ? '' : ` (looked for ${absolute}: relative paths start in ${notebookFolder()}, the notebook's folder)`;
    throw new ImageFileError(file, `no such file${where}`);
  }
  if (stat.isDirectory()) throw new ImageFileError(file, 'is a folder, not an image file');
  if (stat.size === 0) throw new ImageFileError(file, 'the file is empty (0 bytes)');
}

/** sharp's message turned into what a user can act on. */
function explainDecodeError(file: string, absolute: string, error: unknown): ImageFileError {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) {
    return new ImageFileError(file, `not an image sharp can read (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG): ${describeStart(absolute)}`);
  }
  if (/pixel limit/i.test(message)) {
    return new ImageFileError(file, `larger than ${MAX_IMAGE_PIXELS / 1e6} megapixels (MAX_IMAGE_PIXELS); scale it down first`);
  }
  // libvips repeats its decoder's complaints, one per line: keep each once, without the decoder's name.
  const details = [...new Set(message.replace(/^Input (file|buffer) has corrupt header:\s*/, '').split('\n').map((l) => l.replace(/^Vips\w+: /, '').trim()))];
  return new ImageFileError(file, `damaged or truncated, it cannot be decoded (${details.filter((l) => l !== '').join('; ') || message})`);
}

/**
 * Reads an image file as 8-bit RGB, alpha flattened onto white. A relative `file` is taken from the
 * notebook's folder ({@link resolveFromNotebook}).
 *
 * @throws ImageFileError naming the file when it is missing (with the folder searched), a folder,
 *   empty, not an image, damaged or truncated, or larger than {@link MAX_IMAGE_PIXELS}.
 */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  const absolute = resolveFromNotebook(file);
  assertReadableFile(file, absolute);
  const input = () => sharp(absolute, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' });
  let size: { width?: number; height?: number };
  try {
    // The header only, without sharp's limit, to name the size when it is too large.
    size = await sharp(absolute, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw explainDecodeError(file, absolute, error);
  }
  if ((size.width ?? 0) * (size.height ?? 0) > MAX_IMAGE_PIXELS) {
    throw new ImageFileError(file, `${size.width}×${size.height} is larger than ${MAX_IMAGE_PIXELS / 1e6} megapixels (MAX_IMAGE_PIXELS); scale it down first`);
  }
  let pipeline = input().rotate().flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb');
  if (options.size) pipeline = pipeline.resize(options.size.width, options.size.height, { fit: 'cover' });
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw explainDecodeError(file, absolute, error);
  }
}
