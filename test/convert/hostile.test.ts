/**
 * Hostile and broken inputs: every one is refused with an error that names the problem, and none
 * makes a reader allocate from a declared size (declared sizes are checked against the bytes present).
 */
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { netParameterMessageType } from '../../src/convert/caffeSchema';
import { checkHdf5Header } from '../../src/convert/hdf5Header';
import { readCaffemodel } from '../../src/convert/readCaffemodel';
import { readKerasH5 } from '../../src/convert/readKerasH5';
import { checkedElementCount } from '../../src/convert/sourceNet';
import { convertFile } from '../../src/convert/convertFile';
import { readFixture, readReference, tinyBuilder } from './tinyVgg';
import { rootSymbolTableMessage, withAttributeDimension, withSharedBtreeChain } from './craftHdf5';
import { checkHdf5Structure } from '../../src/convert/hdf5Structure';

const caffemodel = readFixture('tiny_vgg16_v1.caffemodel');
const h5 = readFixture('tiny_vgg16_keras2.h5');
const build = tinyBuilder(readReference('caffe_vgg16_reference.json'));

/** A NetParameter with one V2 layer whose single blob is `blob`, encoded with the project's schema. */
function netWithBlob(blob: Record<string, unknown>, group?: number): Uint8Array {
  const type = netParameterMessageType();
  const convolution = group === undefined ? {} : { convolution_param: { group } };
  return type.encode(type.fromObject({ layer: [{ name: 'conv1_1', type: 'Convolution', blobs: [blob], ...convolution }] })).finish();
}

/** Overwrites the u64 at `offset` in a copy of `bytes`. */
function withU64(bytes: Uint8Array, offsets: number[], value: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  for (const offset of offsets) {
    view.setUint32(offset, value % 2 ** 32, true);
    view.setUint32(offset + 4, Math.floor(value / 2 ** 32), true);
  }
  return copy;
}

/** Offsets where the two u64 values `a, b` are stored next to each other. */
function findU64Pair(bytes: Uint8Array, a: number, b: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (let i = 0; i + 16 <= bytes.length; i++) {
    if (view.getUint32(i, true) === a && view.getUint32(i + 4, true) === 0 && view.getUint32(i + 8, true) === b && view.getUint32(i + 12, true) === 0) found.push(i);
  }
  return found;
}

describe('caffemodel: hostile inputs', () => {
  it('refuses an empty file', () => {
    expect(() => readCaffemodel(new Uint8Array(0))).toThrow(/caffemodel: the file is empty/);
  });

  it('refuses a file of another format by its magic', () => {
    expect(() => readCaffemodel(h5)).toThrow(/this is an HDF5 file .*use --from keras/);
    expect(() => readCaffemodel(new TextEncoder().encode('name: "VGG_ILSVRC_16_layers"\nlayers { }'))).toThrow(/\.prototxt/);
  });

  it('refuses a file truncated inside a message', () => {
    expect(() => readCaffemodel(caffemodel.subarray(0, caffemodel.length - 1))).toThrow(/truncated or not a Caffe NetParameter/);
    expect(() => readCaffemodel(caffemodel.subarray(0, Math.floor(caffemodel.length / 2)))).toThrow(/truncated or not a Caffe NetParameter/);
  });

  it('never converts a truncated file, wherever it is cut', () => {
    for (let tenth = 1; tenth < 10; tenth++) {
      const cut = caffemodel.subarray(0, Math.floor((caffemodel.length * tenth) / 10));
      expect(() => convertFile(cut, { from: 'caffe', arch: 'vgg16', build })).toThrow(/truncated|lacks layer/);
    }
  });

  it('refuses a length prefix that claims more bytes than the file has (4 GiB for a 7-byte file)', () => {
    // NetParameter.layer (field 100, length-delimited) with a length varint of 2^32 − 1.
    const lying = Uint8Array.from([0xa2, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => readCaffemodel(lying)).toThrow(/truncated or not a Caffe NetParameter/);
  });

  it('refuses an absurd blob shape before allocating', () => {
    const bytes = netWithBlob({ shape: { dim: [1e6, 1e6, 1e6, 1e6] }, data: new Uint8Array(16) });
    expect(() => readCaffemodel(bytes)).toThrow(/shape \[1000000, 1000000, 1000000, 1000000\] needs at least .* bytes but only 16 are available/);
  });

  it('refuses a shape that does not match the floats present, and negative legacy sizes', () => {
    expect(() => readCaffemodel(netWithBlob({ shape: { dim: [2, 2] }, data: new Uint8Array(20) }))).toThrow(/has 4 values but the blob holds 20 bytes/);
    expect(() => readCaffemodel(netWithBlob({ num: -5, channels: 1, height: 1, width: 1, data: new Uint8Array(4) }))).toThrow(/invalid dimension -5/);
    expect(() => readCaffemodel(netWithBlob({ shape: { dim: [1] }, data: new Uint8Array(4) }, 0))).toThrow(/layer 'conv1_1': invalid group 0/);
    expect(() => readCaffemodel(netWithBlob({ shape: { dim: [protobuf.util.LongBits.fromNumber(-3).toLong(false)] }, data: new Uint8Array(4) }))).toThrow(/invalid dimension/);
  });

  it('turns any corruption of a caffemodel into an Error (never a crash or a hang)', () => {
    let seed = 777;
    let refused = 0;
    for (let trial = 0; trial < 60; trial++) {
      const corrupted = caffemodel.slice();
      for (let k = 0; k < 6; k++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        corrupted[seed % corrupted.length] ^= 1 << (seed >>> 29);
      }
      try {
        convertFile(corrupted, { from: 'caffe', arch: 'vgg16', build }).model.dispose();
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses a protobuf without weights (e.g. random bytes that happen to parse)', () => {
    const type = netParameterMessageType();
    const empty = type.encode(type.fromObject({ name: 'deploy', layer: [{ name: 'data', type: 'Input' }] })).finish();
    expect(() => readCaffemodel(empty)).toThrow(/no layer carries weights/);
  });
});

describe('Keras h5: hostile inputs', () => {
  it('refuses wrong magic, naming what the file looks like', () => {
    expect(() => readKerasH5(caffemodel, 'x.caffemodel')).toThrow(/x\.caffemodel: wrong magic, not an HDF5 file/);
    expect(() => readKerasH5(new Uint8Array(0), 'empty.h5')).toThrow(/wrong magic.*an empty file/);
    expect(() => readCaffemodel(readFixture('tiny_vgg16.keras'))).toThrow(/a zip archive \(a Keras \.keras file: use --from keras/);
  });

  it('refuses a truncated file by the superblock’s end-of-file address', () => {
    expect(() => readKerasH5(h5.subarray(0, h5.length - 1), 't.h5')).toThrow(
      new RegExp(`truncated HDF5 file: its superblock says it is ${h5.length} bytes long, but only ${h5.length - 1}`),
    );
    expect(() => readKerasH5(h5.subarray(0, 30), 't.h5')).toThrow(/truncated HDF5 file: 30 bytes cannot hold a superblock/);
  });

  it('refuses a superblock that lies about the file size or its version', () => {
    const eofAt = 24 + 16; // superblock v0: signature, versions, sizes, K values, flags, base and free-space addresses
    expect(checkHdf5Header(h5).endOfFile).toBe(h5.length);
    expect(() => readKerasH5(withU64(h5, [eofAt], 2 ** 40), 'l.h5')).toThrow(/says it is 1099511627776 bytes long/);
    const badVersion = h5.slice();
    badVersion[8] = 9;
    expect(() => readKerasH5(badVersion, 'v.h5')).toThrow(/unknown HDF5 superblock version 9/);
  });

  it('refuses a dataset whose declared shape needs more bytes than the file holds', () => {
    const offsets = findU64Pair(h5, 16, 10); // predictions/kernel:0 is 16×10: its dims and max dims
    expect(offsets.length).toBeGreaterThan(0);
    const lying = withU64(h5, offsets.map((o) => o + 8), 1e12);
    expect(() => readKerasH5(lying, 'lying.h5')).toThrow(/predictions\/kernel:0'.*needs at least .* bytes but only .* are available/);
  });

  it('refuses an HDF5 file that is not a Keras weights file', () => {
    const renamed = h5.slice();
    const at = Buffer.from(renamed).indexOf('layer_names');
    renamed[at] = 'L'.charCodeAt(0);
    expect(() => readKerasH5(renamed, 'other.h5')).toThrow(/not a Keras weights file: no 'layer_names' attribute/);
  });

  it('walks the group structure of every Keras layout once, visiting each node once', () => {
    for (const file of ['tiny_vgg16_keras2.h5', 'tiny_vgg16_keras3_legacy.h5', 'tiny_vgg16_keras3.weights.h5']) {
      const bytes = readFixture(file);
      const counts = checkHdf5Structure(bytes, checkHdf5Header(bytes));
      // at least one object per layer group and per weight dataset (16 layers, 32 datasets)
      expect(counts.objectHeaders).toBeGreaterThan(48);
      expect(counts.btreeNodes).toBeGreaterThan(16);
    }
  });

  it('refuses B-tree children that share a node (jsfive would visit it 2^20 times) before jsfive runs', () => {
    // 20 extra levels of two children that are the same node: ~1 KB more file. jsfive 0.4.2 follows
    // every child; measured here, it took 0.5 s at depth 10 and 19 s at depth 14 (×~4 per level).
    const crafted = withSharedBtreeChain(h5, 20, 2);
    expect(() => readKerasH5(crafted, 'shared.h5')).toThrow(/shared\.h5: malformed HDF5 structure: a B-tree node at \d+ is reached twice/);
  });

  it('refuses a B-tree node that is its own child', () => {
    const cyclic = h5.slice();
    const view = new DataView(cyclic.buffer);
    const node = view.getUint32(rootSymbolTableMessage(cyclic), true);
    cyclic[node + 5] = 1; // level 1: its children are read as B-tree nodes …
    view.setUint32(node + 24 + 8, node, true); // … and the first one is itself
    view.setUint32(node + 24 + 12, 0, true);
    expect(() => readKerasH5(cyclic, 'cycle.h5')).toThrow(/cycle\.h5: malformed HDF5 structure: a B-tree node at \d+ is reached twice/);
  });

  it('refuses an attribute that declares more values than its message holds', () => {
    const lying = withAttributeDimension(h5, 'layer_names', 1000); // 23 names really
    expect(() => readKerasH5(lying, 'attr.h5')).toThrow(/attr\.h5: malformed HDF5 structure: attribute message at \d+ declares 1000 values of 12 bytes but holds \d+ bytes/);
    const absurd = withAttributeDimension(h5, 'layer_names', 1e15);
    expect(() => readKerasH5(absurd, 'attr.h5')).toThrow(/attr\.h5: malformed HDF5 structure: a dataspace at \d+ declares more elements than the file has bytes/);
  });

  it('counts variable-length attribute data per reference and refuses more than the budget', () => {
    const legacy = readFixture('tiny_vgg16_keras3_legacy.h5'); // Keras 3 writes its string attributes variable-length
    const counts = checkHdf5Structure(legacy, checkHdf5Header(legacy));
    expect(counts.attributes).toBeGreaterThan(16);
    expect(counts.vlenBytes).toBeGreaterThan(1000); // model_config alone is several kB
    expect(counts.vlenBytes).toBeLessThan(legacy.length);
    expect(() => checkHdf5Structure(legacy, checkHdf5Header(legacy), 'v.h5', { maxVlenBytes: 1000 })).toThrow(
      /v\.h5: malformed HDF5 structure: attributes reference \d+ bytes of variable-length data \(counted per reference\), more than the 1000 allowed/,
    );
  });

  it('turns jsfive failures on corrupted structure into errors naming the file', () => {
    let seed = 12345;
    let refused = 0;
    for (const file of ['tiny_vgg16_keras2.h5', 'tiny_vgg16_keras3_legacy.h5', 'tiny_vgg16_keras3.weights.h5']) {
      const original = readFixture(file);
      for (let trial = 0; trial < 60; trial++) {
        const corrupted = original.slice();
        for (let k = 0; k < 8; k++) {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          corrupted[48 + (seed % (corrupted.length - 48))] = seed >>> 24;
        }
        try {
          readKerasH5(corrupted, 'fuzz.h5');
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/^fuzz\.h5: /);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('Keras .keras archive: hostile inputs', () => {
  const archive = readFixture('tiny_vgg16.keras');
  /** Offset of the central directory entry of model.weights.h5. */
  const entry = Buffer.from(archive).lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const entryName = (): string => Buffer.from(archive.subarray(entry + 46, entry + 46 + 16)).toString();

  it('finds the stored model.weights.h5 (the last central directory entry of the fixture)', () => {
    expect(entryName()).toBe('model.weights.h5');
    expect(readKerasH5(archive, 'm.keras').layout).toBe('keras3');
  });

  it('refuses a truncated archive, and one too short to be a zip', () => {
    expect(() => readKerasH5(archive.subarray(0, archive.length - 10), 'm.keras')).toThrow(/m\.keras: truncated or not a zip archive: no end-of-central-directory record/);
    expect(() => readKerasH5(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'm.keras')).toThrow(/no end-of-central-directory record/);
  });

  it('refuses a compressed member, a size past the end, and a missing member', () => {
    const compressed = archive.slice();
    compressed[entry + 10] = 8; // deflate
    expect(() => readKerasH5(compressed, 'm.keras')).toThrow(/member model\.weights\.h5 is compressed \(method 8\)/);
    const lying = archive.slice();
    new DataView(lying.buffer).setUint32(entry + 20, 0x7fffffff, true);
    new DataView(lying.buffer).setUint32(entry + 24, 0x7fffffff, true);
    expect(() => readKerasH5(lying, 'm.keras')).toThrow(/member data \(\d+ \+ 2147483647 bytes\) reaches past the \d+-byte file/);
    const renamed = archive.slice();
    renamed[entry + 46 + 15] = '6'.charCodeAt(0);
    expect(() => readKerasH5(renamed, 'm.keras')).toThrow(/no member model\.weights\.h5 \(members: metadata\.json, config\.json, model\.weights\.h6\)/);
  });

  it('names the member in errors from inside it', () => {
    const start = Buffer.from(archive).indexOf(Buffer.from([0x89, 0x48, 0x44, 0x46]));
    const broken = archive.slice();
    broken[start + 8] = 9; // superblock version of the inner HDF5
    expect(() => readKerasH5(broken, 'm.keras')).toThrow(/m\.keras:model\.weights\.h5: unknown HDF5 superblock version 9/);
  });
});

describe('checkedElementCount', () => {
  it('counts elements and refuses ranks, dimensions and sizes out of bounds', () => {
    expect(checkedElementCount([3, 4], 4, 48, 't')).toBe(12);
    expect(() => checkedElementCount([3, 4], 4, 47, 't')).toThrow(/needs at least 48 bytes but only 47/);
    expect(() => checkedElementCount([1, 1, 1, 1, 1, 1, 1, 1, 1], 4, 100, 't')).toThrow(/rank 9/);
    expect(() => checkedElementCount([2.5], 4, 100, 't')).toThrow(/invalid dimension 2.5/);
  });
});
