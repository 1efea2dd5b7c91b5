/**
 * Keras 3's `.keras` file (`model.save('x.keras')`) is a zip archive holding `metadata.json`,
 * `config.json` and the weights as `model.weights.h5` in the `.weights.h5` layout, stored without
 * compression (Keras writes it with Python's zipfile defaults). This finds that member through the
 * zip central directory (PKWARE APPNOTE 6.3, §4.3.12 central directory header, §4.3.16 end of central
 * directory record) and returns a view of its bytes; every offset and size is checked against the
 * file before it is used.
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const STORED = 0;

/** The weights member of a `.keras` archive. */
export const KERAS_WEIGHTS_MEMBER = 'model.weights.h5';

/** True when `bytes` start with a zip local file header (`PK\3\4`). */
export function isZipArchive(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Returns a view of the stored (uncompressed) member `name` of the zip archive `bytes`.
 *
 * @throws Error for a truncated archive, offsets or sizes past the end, a ZIP64 archive, a member
 *   that is missing (naming the members present) or compressed.
 */
export function storedZipMember(bytes: Uint8Array, name: string, what = 'zip'): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new Error(`${what}: ${problem}`);
  };
  const end = findEndOfCentralDirectory(view) ?? fail('truncated or not a zip archive: no end-of-central-directory record');
  const entries = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (directoryOffset === 0xffffffff || entries === 0xffff) fail('ZIP64 archives are not supported');
  if (directoryOffset + directorySize > end) fail(`central directory (${directoryOffset} + ${directorySize}) overlaps the end record at ${end}`);
  const names: string[] = [];
  let at = directoryOffset;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_HEADER) fail(`central directory entry ${i} at ${at} is malformed`);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > end) fail(`central directory entry ${i} has a name past the directory`);
    const entryName = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    names.push(entryName);
    if (entryName === name) {
      if (method !== STORED || compressedSize !== size) {
        fail(`member ${name} is compressed (method ${method}); unzip the archive and convert ${name} itself`);
      }
      return localMemberData(bytes, view, localOffset, size, fail);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return fail(`no member ${name} (members: ${names.slice(0, 10).join(', ') || 'none'})`);
}

/** Offset of the end-of-central-directory record, searched from the end (it may trail a comment). */
function findEndOfCentralDirectory(view: DataView): number | undefined {
  const earliest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= earliest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  return undefined;
}

function localMemberData(bytes: Uint8Array, view: DataView, offset: number, size: number, fail: (problem: string) => never): Uint8Array {
  if (offset + 30 > bytes.length || view.getUint32(offset, true) !== LOCAL_HEADER) fail(`no local file header at ${offset}`);
  const start = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
  if (start + size > bytes.length) fail(`member data (${start} + ${size} bytes) reaches past the ${bytes.length}-byte file`);
  return bytes.subarray(start, start + size);
}
