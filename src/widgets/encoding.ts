/**
 * Typed arrays as base64 text, the way widget payloads carry pixels and maps from the kernel to the
 * page (JSON has no binary type). Bytes are the arrays' own, so float32 values are little-endian on
 * every platform that runs tfjs and Chromium. Uses only `btoa`/`atob`, present in Node.js ≥ 16, in
 * pages and in Web Workers, so the kernel and the page share this module.
 */

/** Bytes per `String.fromCharCode` call (keeps the argument list short). */
const CHUNK = 0x8000;

/** base64 of the bytes of `array` (its view only, not the whole buffer). */
export function encodeBase64(array: Uint8Array | Float32Array): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/**
 * The bytes of base64 `text`, checking their count.
 *
 * @throws RangeError naming `what` when the text is not base64 or does not hold `expected` bytes.
 */
export function decodeBytes(text: string, expected: number, what: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new RangeError(`${what}: not base64 text`);
  }
  if (binary.length !== expected) throw new RangeError(`${what}: expected ${expected} bytes, got ${binary.length}`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `count` float32 values from base64 `text` (see {@link decodeBytes}). */
export function decodeFloat32(text: string, count: number, what: string): Float32Array {
  return new Float32Array(decodeBytes(text, 4 * count, what).buffer);
}
