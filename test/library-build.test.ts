// The compiled library in dist/ (what notebooks import) must carry what the code reads beside
// itself: the dense CRF's WebAssembly kernels. Without them the kernel silently fell back to the
// TypeScript CRF (caught by the JupyterLab check as a stderr warning in cam_crf).
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import { describe, expect, it } from 'vitest';

const require = createRequire(__filename);
const build = require('../scripts/lib/library-build.cjs') as {
  ensureLibraryBuild(): { built: boolean };
  distDir: string;
};

describe('dist/, the compiled library', () => {
  it('holds the same WebAssembly kernels as src/, and its CRF loads them', () => {
    build.ensureLibraryBuild();
    for (const name of ['kernels.wasm', 'kernels-shared.wasm']) {
      const compiled = fs.readFileSync(path.join(build.distDir, 'crf', 'wasm', name));
      expect(compiled.equals(fs.readFileSync(path.join(__dirname, '..', 'src', 'crf', 'wasm', name))), name).toBe(true);
    }
    const saved = process.env.WSOL_CRF;
    process.env.WSOL_CRF = 'wasm'; // throws, naming the file, when the kernels cannot load
    try {
      const { crfImplementation } = require(path.join(build.distDir, 'crf', 'wasm-node.js')) as { crfImplementation(): string };
      expect(crfImplementation()).toBe('wasm');
    } finally {
      if (saved === undefined) delete process.env.WSOL_CRF;
      else process.env.WSOL_CRF = saved;
    }
  }, 120_000);
});
