/**
 * Test helper: crafts hostile variants of a (version-0 superblock, version-1 object header) HDF5
 * file such as the Keras 2 fixture.
 */

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

/** Address of the data of the root group's symbol table message (B-tree address, heap address). */
export function rootSymbolTableMessage(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = u64(view, 64); // superblock v0: root symbol table entry's object header address
  const messages = view.getUint16(header + 2, true);
  const blocks: Array<[number, number]> = [[header + 16, view.getUint32(header + 8, true)]];
  let seen = 0;
  for (let b = 0; b < blocks.length && seen < messages; b++) {
    const [start, size] = blocks[b];
    for (let at = start; at + 8 <= start + size && seen < messages; seen++) {
      const type = view.getUint16(at, true);
      const length = view.getUint16(at + 2, true);
      if (type === 0x0011) return at + 8;
      if (type === 0x0010) blocks.push([u64(view, at + 8), u64(view, at + 16)]);
      at += 8 + length;
    }
  }
  throw new Error('no symbol table message in the root object header');
}

/**
 * Replaces the root group's B-tree by a chain of `depth` extra levels whose every node has `fanout`
 * children that are all the same node of the level below; the bottom is the original root node.
 * A reader that follows every child without remembering visits the bottom fanout^depth times.
 */
export function withSharedBtreeChain(bytes: Uint8Array, depth: number, fanout: number): Uint8Array {
  const nodeSize = 24 + (2 * fanout + 1) * 8;
  const out = new Uint8Array(bytes.length + depth * nodeSize);
  out.set(bytes);
  const view = new DataView(out.buffer);
  const message = rootSymbolTableMessage(out);
  let below = u64(view, message);
  for (let level = 1; level <= depth; level++) {
    const at = bytes.length + (level - 1) * nodeSize;
    out.set([0x54, 0x52, 0x45, 0x45, 0, level], at); // 'TREE', type 0 (group), level
    view.setUint16(at + 6, fanout, true);
    setU64(view, at + 8, 2 ** 64 - 1); // no siblings
    setU64(view, at + 16, 2 ** 64 - 1);
    view.setUint32(at + 8, 0xffffffff, true);
    view.setUint32(at + 12, 0xffffffff, true);
    view.setUint32(at + 16, 0xffffffff, true);
    view.setUint32(at + 20, 0xffffffff, true);
    for (let i = 0; i < fanout; i++) setU64(view, at + 24 + 8 + 16 * i, below);
    below = at;
  }
  setU64(view, message, below);
  setU64(view, 80, below); // the superblock's cached copy (root entry scratch pad)
  return out;
}

/**
 * Sets the first dimension of the dataspace of the attribute named `name` (a version-1 attribute
 * message, as h5py writes with its default file format) in a copy of `bytes`.
 */
export function withAttributeDimension(bytes: Uint8Array, name: string, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const nameAt = Buffer.from(out).indexOf(name + '\0');
  if (nameAt < 0) throw new Error(`no attribute named ${name}`);
  const data = nameAt - 8; // version 1: version, reserved, name size, datatype size, dataspace size, then the name
  const pad = (n: number): number => Math.ceil(n / 8) * 8;
  const dataspace = nameAt + pad(view.getUint16(data + 2, true)) + pad(view.getUint16(data + 4, true));
  if (view.getUint8(dataspace + 1) < 1) throw new Error(`attribute ${name} is a scalar`);
  setU64(view, dataspace + 8, value);
  return out;
}
