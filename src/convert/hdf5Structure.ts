/**
 * A bounded walk over an HDF5 file's group structure, made before jsfive follows it (HDF5 File
 * Format Specification 3.0, §III "Data Object Layer" object headers, §III.A.1 version 1 B-trees,
 * §III.C symbol table nodes).
 *
 * jsfive follows every child address of a B-tree node without remembering where it has been, so a
 * crafted file whose B-tree children point at the same node many times can make it read that node
 * exponentially often and grow its node lists without bound. This walk visits each object header,
 * B-tree node, symbol table node and continuation block reachable from the root at most once; a
 * node reached a second time (a cycle or a shared node, which h5py and Keras never write), an
 * address past the end, a wrong signature or dense link storage (fractal heaps, which Keras files
 * do not use) is refused. Every structure it accepts is at a distinct address inside the file, so
 * the walk is bounded by the file size and jsfive's later walk over the same structures is too.
 *
 * Attributes are checked too, since jsfive decodes every attribute of an object it opens: the
 * values an attribute message declares (dataspace × datatype size) must fit in the message, and the
 * variable-length strings all attributes reference, which jsfive copies once per reference, may
 * total at most the file size plus 1 MiB (a file that points many elements at one large heap
 * object would otherwise multiply its size in memory).
 */
import { Hdf5Superblock } from './hdf5Header';

const UNDEFINED_ADDRESS = 2 ** 64 - 1; // all bits set (read as a double, it rounds to 2^64)
const MSG_LINK = 0x0006;
const MSG_LINK_INFO = 0x0002;
const MSG_CONTINUATION = 0x0010;
const MSG_SYMBOL_TABLE = 0x0011;
const MSG_ATTRIBUTE = 0x000c;
const DATATYPE_VLEN = 9;
/** Bytes of one variable-length element inside attribute data: length (4) + global heap id (8 + 4). */
const VLEN_ELEMENT_BYTES = 16;

/** What the walk saw. */
export interface Hdf5StructureCounts {
  readonly objectHeaders: number;
  readonly btreeNodes: number;
  readonly symbolTableNodes: number;
  readonly attributes: number;
  /** Bytes of variable-length data the attributes reference, counted once per reference. */
  readonly vlenBytes: number;
}

/** Options of {@link checkHdf5Structure}. */
export interface Hdf5StructureOptions {
  /**
   * Most bytes of variable-length attribute data (counted once per reference) a file may reference.
   * @default the file size + 1 MiB
   */
  readonly maxVlenBytes?: number;
}

class Walker {
  private readonly view: DataView;
  private readonly objectHeaders = new Set<number>();
  private readonly btreeNodes = new Set<number>();
  private readonly symbolNodes = new Set<number>();
  private readonly blocks = new Set<number>();
  private readonly pending: number[] = [];
  private readonly heapObjectSizes = new Map<number, Map<number, number>>();
  private vlenBytes = 0;
  private attributes = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    private readonly maxVlenBytes: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(problem: string): never {
    throw new Error(`${this.what}: malformed HDF5 structure: ${problem}`);
  }

  private need(address: number, length: number, item: string): void {
    if (!Number.isFinite(address) || address < 0 || address + length > this.bytes.length) {
      this.fail(`${item} at ${address} (+${length} bytes) lies past the end of the ${this.bytes.length}-byte file`);
    }
  }

  u8(a: number): number {
    this.need(a, 1, 'a field');
    return this.view.getUint8(a);
  }
  u16(a: number): number {
    this.need(a, 2, 'a field');
    return this.view.getUint16(a, true);
  }
  u32(a: number): number {
    this.need(a, 4, 'a field');
    return this.view.getUint32(a, true);
  }
  /** An 8-byte address or length (exact below 2^53; larger values are past any file anyway). */
  u64(a: number): number {
    this.need(a, 8, 'a field');
    return this.view.getUint32(a, true) + this.view.getUint32(a + 4, true) * 2 ** 32;
  }
  /** An integer of 1, 2, 4 or 8 bytes. */
  uint(a: number, size: number): number {
    return size === 1 ? this.u8(a) : size === 2 ? this.u16(a) : size === 4 ? this.u32(a) : this.u64(a);
  }
  signature(a: number, text: string): boolean {
    this.need(a, 4, `a ${text} signature`);
    for (let i = 0; i < 4; i++) if (this.bytes[a + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  once(set: Set<number>, address: number, item: string): void {
    if (set.has(address)) this.fail(`${item} at ${address} is reached twice (a cycle or a shared node)`);
    set.add(address);
  }

  queueObject(address: number): void {
    if (address === UNDEFINED_ADDRESS || this.objectHeaders.has(address)) return; // hard links may share objects
    this.objectHeaders.add(address);
    this.pending.push(address);
  }

  run(root: number): Hdf5StructureCounts {
    this.queueObject(root);
    while (this.pending.length > 0) this.objectHeader(this.pending.pop()!);
    return {
      objectHeaders: this.objectHeaders.size,
      btreeNodes: this.btreeNodes.size,
      symbolTableNodes: this.symbolNodes.size,
      attributes: this.attributes,
      vlenBytes: this.vlenBytes,
    };
  }

  private objectHeader(address: number): void {
    if (this.signature(address, 'OHDR')) this.objectHeaderV2(address);
    else if (this.u8(address) === 1) this.objectHeaderV1(address);
    else this.fail(`object header at ${address} has neither version 1 nor the OHDR signature`);
  }

  private objectHeaderV1(address: number): void {
    const messages = this.u16(address + 2);
    const blocks: Array<[number, number]> = [[address + 16, this.u32(address + 8)]];
    let seen = 0;
    for (let b = 0; b < blocks.length && seen < messages; b++) {
      const [start, size] = blocks[b];
      this.need(start, size, `object header block of ${address}`);
      for (let at = start; at + 8 <= start + size && seen < messages; seen++) {
        const type = this.u16(at);
        const length = this.u16(at + 2);
        this.need(at + 8, length, `a message of object header ${address}`);
        this.message(type, at + 8, length, blocks);
        at += 8 + length;
      }
    }
  }

  private objectHeaderV2(address: number): void {
    const flags = this.u8(address + 5);
    let at = address + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 0x03);
    const chunk0 = this.uint(at, sizeBytes);
    at += sizeBytes;
    const creationOrder = flags & 0x04 ? 2 : 0;
    const blocks: Array<[number, number]> = [[at, chunk0]];
    for (let b = 0; b < blocks.length; b++) {
      const [start, size] = blocks[b];
      this.need(start, size, `object header block of ${address}`);
      const end = start + size - (b === 0 ? 0 : 4); // continuation blocks end with a checksum
      for (let p = start; p + 4 + creationOrder <= end; ) {
        const type = this.u8(p);
        const length = this.u16(p + 1);
        const data = p + 4 + creationOrder;
        this.need(data, length, `a message of object header ${address}`);
        this.message(type, data, length, blocks, true);
        p = data + length;
      }
    }
  }

  private message(type: number, data: number, length: number, blocks: Array<[number, number]>, v2 = false): void {
    if (type === MSG_CONTINUATION) {
      const offset = this.u64(data);
      const size = this.u64(data + 8);
      this.once(this.blocks, offset, 'an object header continuation block');
      if (v2) {
        if (!this.signature(offset, 'OCHK')) this.fail(`continuation block at ${offset} lacks the OCHK signature`);
        blocks.push([offset + 4, size - 4]);
      } else blocks.push([offset, size]);
    } else if (type === MSG_SYMBOL_TABLE) {
      this.btreeNode(this.u64(data), undefined);
    } else if (type === MSG_LINK) {
      this.linkMessage(data, length);
    } else if (type === MSG_ATTRIBUTE) {
      this.attributeMessage(data, length);
    } else if (type === MSG_LINK_INFO) {
      const flags = this.u8(data + 1);
      const heap = this.u64(data + 2 + (flags & 0x01 ? 8 : 0));
      if (heap !== UNDEFINED_ADDRESS) this.fail('dense link storage (a fractal heap) is not supported; Keras files do not use it');
    }
  }

  private linkMessage(data: number, length: number): void {
    const flags = this.u8(data + 1);
    let at = data + 2;
    const linkType = flags & 0x08 ? this.u8(at++) : 0;
    if (flags & 0x04) at += 8;
    if (flags & 0x10) at += 1;
    const nameSize = 1 << (flags & 0x03);
    const nameLength = this.uint(at, nameSize);
    at += nameSize + nameLength;
    if (at > data + length) this.fail(`a link message at ${data} is longer than its ${length} bytes`);
    if (linkType === 0) this.queueObject(this.u64(at));
  }

  /** Checks that an attribute's declared values fit in its message and bounds its vlen strings. */
  private attributeMessage(data: number, length: number): void {
    this.attributes++;
    const version = this.u8(data);
    if (version < 1 || version > 3) this.fail(`attribute message at ${data} has unknown version ${version}`);
    const pad = (n: number): number => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    const nameSize = this.u16(data + 2);
    const typeSize = this.u16(data + 4);
    const spaceSize = this.u16(data + 6);
    const datatype = data + (version === 3 ? 9 : 8) + pad(nameSize);
    const dataspace = datatype + pad(typeSize);
    const values = dataspace + pad(spaceSize);
    const end = data + length;
    if (values > end) this.fail(`attribute message at ${data} is shorter than its name, datatype and dataspace`);
    const typeClass = this.u8(datatype) & 0x0f;
    const elementBytes = typeClass === DATATYPE_VLEN ? VLEN_ELEMENT_BYTES : this.u32(datatype + 4);
    const count = this.dataspaceCount(dataspace);
    if (count * elementBytes > end - values) {
      this.fail(
        `attribute message at ${data} declares ${count} values of ${elementBytes} bytes but holds ${end - values} bytes`,
      );
    }
    if (typeClass === DATATYPE_VLEN) {
      for (let i = 0; i < count; i++) {
        const element = values + i * VLEN_ELEMENT_BYTES;
        this.vlenBytes += this.heapObjectSize(this.u64(element + 4), this.u32(element + 12));
      }
      if (this.vlenBytes > this.maxVlenBytes) {
        this.fail(
          `attributes reference ${this.vlenBytes} bytes of variable-length data (counted per reference), ` +
            `more than the ${this.maxVlenBytes} allowed for this file`,
        );
      }
    }
  }

  /** Number of elements of a dataspace message (scalar: 1, null: 0). */
  private dataspaceCount(at: number): number {
    const version = this.u8(at);
    const rank = this.u8(at + 1);
    if (version === 2 && this.u8(at + 3) === 2) return 0; // null dataspace
    const dims = at + (version === 1 ? 8 : 4);
    let count = 1;
    for (let d = 0; d < rank; d++) {
      count *= this.u64(dims + 8 * d);
      if (count > this.bytes.length) this.fail(`a dataspace at ${at} declares more elements than the file has bytes`);
    }
    return count;
  }

  /** Size of object `index` of the global heap collection at `address` (0 if absent). */
  private heapObjectSize(address: number, index: number): number {
    let sizes = this.heapObjectSizes.get(address);
    if (sizes === undefined) {
      sizes = new Map();
      if (!this.signature(address, 'GCOL')) this.fail(`global heap collection at ${address} lacks the GCOL signature`);
      const size = this.u64(address + 8);
      this.need(address, size, 'a global heap collection');
      for (let at = address + 16; at + 16 <= address + size; ) {
        const objectIndex = this.u16(at);
        if (objectIndex === 0) break;
        const objectSize = this.u64(at + 8);
        this.need(at + 16, objectSize, `global heap object ${objectIndex}`);
        sizes.set(objectIndex, objectSize);
        at += 16 + Math.ceil(objectSize / 8) * 8;
      }
      this.heapObjectSizes.set(address, sizes);
    }
    return sizes.get(index) ?? 0;
  }

  private btreeNode(address: number, expectedLevel: number | undefined): void {
    this.once(this.btreeNodes, address, 'a B-tree node');
    if (!this.signature(address, 'TREE')) this.fail(`B-tree node at ${address} lacks the TREE signature`);
    const type = this.u8(address + 4);
    const level = this.u8(address + 5);
    const entries = this.u16(address + 6);
    if (type !== 0) this.fail(`B-tree node at ${address} is of type ${type}, expected a group node (0)`);
    if (expectedLevel !== undefined && level !== expectedLevel) this.fail(`B-tree node at ${address} has level ${level}, expected ${expectedLevel}`);
    const keysStart = address + 24;
    this.need(keysStart, (2 * entries + 1) * 8, `the keys and children of B-tree node ${address}`);
    for (let i = 0; i < entries; i++) {
      const child = this.u64(keysStart + 8 + 16 * i);
      if (level > 0) this.btreeNode(child, level - 1);
      else this.symbolTableNode(child);
    }
  }

  private symbolTableNode(address: number): void {
    this.once(this.symbolNodes, address, 'a symbol table node');
    if (!this.signature(address, 'SNOD')) this.fail(`symbol table node at ${address} lacks the SNOD signature`);
    const symbols = this.u16(address + 6);
    this.need(address + 8, symbols * 40, `the entries of symbol table node ${address}`);
    for (let i = 0; i < symbols; i++) this.queueObject(this.u64(address + 8 + 40 * i + 8));
  }
}

/** Position of the root group's object header address, by superblock version. */
function rootObjectAddressPosition(superblock: Hdf5Superblock): number {
  if (superblock.version === 0) return 56 + 8; // root symbol table entry: link name offset, then the address
  if (superblock.version === 1) return 60 + 8;
  return 36;
}

/**
 * Walks every group reachable from the root of `bytes` (whose superblock `checkHdf5Header` read),
 * visiting each structure once.
 *
 * @throws Error naming the structure and address for a cycle or shared node, an address past the
 *   end, a wrong signature, or dense link storage.
 */
export function checkHdf5Structure(
  bytes: Uint8Array,
  superblock: Hdf5Superblock,
  what = 'h5',
  options: Hdf5StructureOptions = {},
): Hdf5StructureCounts {
  const walker = new Walker(bytes, what, options.maxVlenBytes ?? bytes.length + 2 ** 20);
  const root = walker.u64(rootObjectAddressPosition(superblock));
  return walker.run(root);
}
