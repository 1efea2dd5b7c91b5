/**
 * The committed WebAssembly kernels (src/crf/wasm/*.wasm) must be what the AssemblyScript source
 * compiles to: rebuilt here with the project's own compiler (assemblyscript from package.json)
 * and compared byte for byte. A failure means: run `npm run build:crf-wasm` and commit the result.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '../..');

describe('committed WebAssembly kernels', () => {
  it('are up to date with src/crf/assembly/kernels.ts (else: npm run build:crf-wasm)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'crf-wasm-'));
    try {
      const { buildCrfWasm } = await import(path.join(root, 'scripts/build-crf-wasm.mjs'));
      const files: string[] = await buildCrfWasm(out);
      expect(files.map((f) => path.basename(f)).sort()).toEqual(['kernels-shared.wasm', 'kernels.wasm']);
      for (const file of files) {
        const committed = fs.readFileSync(path.join(root, 'src/crf/wasm', path.basename(file)));
        const rebuilt = fs.readFileSync(file);
        expect(Buffer.compare(rebuilt, committed), `${path.basename(file)} is stale: run npm run build:crf-wasm`).toBe(0);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('have no data segments (each worker instantiates the shared memory; a segment would be rewritten each time)', () => {
    for (const file of ['kernels-shared.wasm', 'kernels.wasm']) {
      const bytes = fs.readFileSync(path.join(root, 'src/crf/wasm', file));
      // Walk the sections: id byte, LEB128 size. Section 11 is the data section.
      const ids: number[] = [];
      for (let at = 8; at < bytes.length; ) {
        const id = bytes[at++];
        let size = 0;
        for (let shift = 0; ; shift += 7) {
          const byte = bytes[at++];
          size |= (byte & 0x7f) << shift;
          if ((byte & 0x80) === 0) break;
        }
        ids.push(id);
        at += size;
      }
      expect(ids).toContain(10); // the code section
      expect(ids).not.toContain(11);
    }
  });
});
