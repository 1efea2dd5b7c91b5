/**
 * Checks of an HDF5 file's superblock (HDF5 File Format Specification, §II.A "Disk Format: Level 0A —
 * Format Signature and Superblock") made before any HDF5 structure is followed: the signature, the
 * superblock version, 8-byte offsets and lengths, and the end-of-file address against the bytes that
 * are really there, which is how a truncated file shows.
 */
import { MAX_MODEL_FILE_BYTES, sniffFormat } from './sourceNet';

/** The 8-byte HDF5 format signature `\x89HDF\r\n\x1a\n`. */
export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** What the superblock states. */
export interface Hdf5Superblock {
  readonly version: number;
  /** Size of file addresses, in bytes. */
  readonly offsetSize: number;
  /** Size of lengths, in bytes. */
  readonly lengthSize: number;
  /** The end-of-file address: the file's size as written. */
  readonly endOfFile: number;
}

/** Byte position of the end-of-file address, by superblock version (base address + 2 addresses before it in v0/v1). */
function endOfFileAddressPosition(version: number, offsetSize: number): number {
  if (version === 0) return 24 + 2 * offsetSize;
  if (version === 1) return 28 + 2 * offsetSize;
  return 12 + 2 * offsetSize; // versions 2 and 3: base address, superblock extension address, EOF address
}

/**
 * Reads and checks the superblock at the start of `bytes` (files with a user block are not supported).
 *
 * @throws Error for a wrong signature (naming the format it looks like), an unknown superblock
 *   version, addresses other than 8 bytes, or an end-of-file address beyond the bytes present.
 */
export function checkHdf5Header(bytes: Uint8Array, what = 'h5'): Hdf5Superblock {
  if (bytes.length > MAX_MODEL_FILE_BYTES) {
    throw new RangeError(`${what}: ${bytes.length} bytes is more than the ${MAX_MODEL_FILE_BYTES} bytes supported`);
  }
  if (bytes.length < 8 || !HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const other = bytes.length === 0 ? 'an empty file' : sniffFormat(bytes);
    throw new Error(
      `${what}: wrong magic, not an HDF5 file (expected the signature 89 48 44 46 0d 0a 1a 0a at byte 0)` +
        (other !== undefined ? `; it looks like ${other}` : ''),
    );
  }
  if (bytes.length < 48) throw new Error(`${what}: truncated HDF5 file: ${bytes.length} bytes cannot hold a superblock`);
  const version = bytes[8];
  if (version > 3) throw new Error(`${what}: unknown HDF5 superblock version ${version} (expected 0 to 3)`);
  const offsetSize = version < 2 ? bytes[13] : bytes[9];
  const lengthSize = version < 2 ? bytes[14] : bytes[10];
  if (offsetSize !== 8 || lengthSize !== 8) {
    throw new Error(`${what}: HDF5 offsets of ${offsetSize} bytes and lengths of ${lengthSize} bytes are not supported (expected 8 and 8)`);
  }
  const position = endOfFileAddressPosition(version, offsetSize);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const endOfFile = view.getUint32(position, true) + view.getUint32(position + 4, true) * 2 ** 32;
  if (endOfFile > bytes.length) {
    throw new Error(
      `${what}: truncated HDF5 file: its superblock says it is ${endOfFile} bytes long, but only ${bytes.length} bytes are present`,
    );
  }
  return { version, offsetSize, lengthSize, endOfFile };
}
