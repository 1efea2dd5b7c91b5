/**
 * readImage / loadExample with a user's file: relative paths start in the notebook's folder
 * (WSOL_NOTEBOOK_DIR, set by the kernel's launcher), and every unreadable file gives an error naming
 * the file and what is wrong with it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFileError, MAX_IMAGE_PIXELS, encodePng, loadExample, notebookFolder, readImage, resolveFromNotebook } from '../src/index';

describe('image files of your own', () => {
  let folder: string;
  const saved = process.env.WSOL_NOTEBOOK_DIR;
  const pixels = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => 20 * i);

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-image-file-'));
    process.env.WSOL_NOTEBOOK_DIR = folder;
    fs.writeFileSync(path.join(folder, 'photo.png'), await encodePng({ width: 3, height: 2, data: pixels }));
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'hello, not a picture');
    fs.writeFileSync(path.join(folder, 'empty.jpg'), '');
    fs.mkdirSync(path.join(folder, 'album.png'));
    const jpeg = await (await import('sharp')).default({ create: { width: 64, height: 64, channels: 3, background: '#c03030' } }).jpeg().toBuffer();
    fs.writeFileSync(path.join(folder, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    // A PNG claiming 20000 × 20000 grey pixels, with a single row of data.
    const chunk = (type: string, data: Buffer) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])), 0);
      return Buffer.concat([head, data, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(20000, 4);
    ihdr.set([8, 0, 0, 0, 0], 8);
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    fs.writeFileSync(path.join(folder, 'huge.png'), Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(20001))), chunk('IEND', Buffer.alloc(0))]));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.WSOL_NOTEBOOK_DIR;
    else process.env.WSOL_NOTEBOOK_DIR = saved;
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('takes relative paths from the notebook folder, absolute ones as they are', async () => {
    expect(notebookFolder()).toBe(folder);
    expect(resolveFromNotebook('photo.png')).toBe(path.join(folder, 'photo.png'));
    expect(resolveFromNotebook('/x/y.png')).toBe('/x/y.png');
    const image = await readImage('photo.png');
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(Array.from(image.data)).toEqual(Array.from(pixels));
    const same = await readImage(path.join(folder, 'photo.png'));
    expect(Array.from(same.data)).toEqual(Array.from(pixels));
    const example = await loadExample({ path: 'photo.png', size: 8 });
    expect([example.image.width, example.image.height, example.source]).toEqual([8, 8, 'photo.png']);
  });

  const cases: [string, RegExp][] = [
    ['missing.png', /^image 'missing\.png': no such file \(looked for .*missing\.png: relative paths start in .*wsol-image-file-.*, the notebook's folder\)$/],
    ['album.png', /^image 'album\.png': is a folder, not an image file$/],
    ['empty.jpg', /^image 'empty\.jpg': the file is empty \(0 bytes\)$/],
    ['notes.txt', /^image 'notes\.txt': not an image sharp can read \(PNG, JPEG, .*\): it starts with the text 'hello, n'$/],
    ['cut.jpg', /^image 'cut\.jpg': damaged or truncated, it cannot be decoded \(premature end of JPEG image[^\n]*\)$/],
    ['huge.png', new RegExp(`^image 'huge\\.png': 20000×20000 is larger than ${MAX_IMAGE_PIXELS / 1e6} megapixels`)],
  ];
  for (const [file, message] of cases) {
    it(`explains what is wrong with ${file}`, async () => {
      const error = await readImage(file).then(() => undefined, (e: unknown) => e as ImageFileError);
      expect(error).toBeInstanceOf(ImageFileError);
      expect(error!.message).toMatch(message);
      expect(error!.file).toBe(file);
      expect(error!.stack, 'no stack frames under a file error').toBe(`ImageFileError: ${error!.message}`);
    });
  }
});

describe('ownImageNote', () => {
  it('tells what a benchmark-trained model knows, and how to get one for photos; nothing for other models', async () => {
    const { ownImageNote } = await import('../src/index');
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'weights', 'cam-default', 'manifest.json'), 'utf8'));
    const note = ownImageNote(manifest)!;
    expect(note).toContain('knows only the 20 classes of the synthetic benchmark');
    expect(note).toContain(manifest.classes.join(', '));
    expect(note).toContain('npm run convert -- --from caffe');
    expect(ownImageNote({ ...manifest, training: { data: 'ImageNet (converted from Caffe)' } })).toBeUndefined();
    expect(ownImageNote({ ...manifest, training: {} })).toBeUndefined();
  });
});
