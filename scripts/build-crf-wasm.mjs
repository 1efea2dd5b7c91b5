#!/usr/bin/env node
/**
 * Compiles the dense CRF's AssemblyScript kernels (src/crf/assembly/kernels.ts) to WebAssembly with
 * SIMD, in two variants that differ only in their memory:
 *   src/crf/wasm/kernels-shared.wasm   imports a shared memory (worker threads, Node.js)
 *   src/crf/wasm/kernels.wasm          imports a plain memory (web pages without cross-origin isolation)
 * Both are committed; test/crf/wasm-build.test.ts rebuilds them and fails when they are stale.
 *
 *   npm run build:crf-wasm               # writes both into src/crf/wasm/
 *   node scripts/build-crf-wasm.mjs DIR  # writes them into DIR instead
 */
import asc from 'assemblyscript/asc';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = 'src/crf/assembly/kernels.ts';
const common = ['-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd', '--importMemory', '--initialMemory', '1', '--maximumMemory', '65536'];
const variants = [
  { file: 'kernels-shared.wasm', flags: ['--enable', 'threads', '--sharedMemory'] },
  { file: 'kernels.wasm', flags: [] },
];

/** Compiles every variant into `outDir` (temporary files renamed into place). */
export async function buildCrfWasm(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  for (const { file, flags } of variants) {
    const target = path.join(outDir, file);
    const temporary = `${target}.${process.pid}.tmp`;
    const { error, stderr } = await asc.main([source, '--outFile', temporary, ...common, ...flags], { stdout: process.stdout, baseDir: root });
    if (error) {
      fs.rmSync(temporary, { force: true });
      throw new Error(`build-crf-wasm: ${source} did not compile: ${error.message}\n${stderr.toString()}`);
    }
    fs.renameSync(temporary, target);
  }
  return variants.map((v) => path.join(outDir, v.file));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(root, 'src/crf/wasm'));
  const files = await buildCrfWasm(outDir);
  for (const file of files) console.log(`${path.relative(process.cwd(), file)}: ${fs.statSync(file).size} bytes`);
}
