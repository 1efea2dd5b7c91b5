/**
 * src/ is compiled by tslab's own TypeScript 5.0 (CommonJS) when a notebook imports it, and tslab
 * resolves relative imports to files only (`./crf` → `crf.js`; a folder's index.ts is never found).
 * These checks keep src/ loadable from a notebook.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function relativeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]*)['"]/g;
  for (let m = pattern.exec(source); m !== null; m = pattern.exec(source)) specifiers.push(m[1]);
  return specifiers;
}

describe('src/ stays loadable by tslab', () => {
  const files = sourceFiles(SRC);

  it('imports files, never folders (tslab does not resolve index.ts)', () => {
    const bad: string[] = [];
    for (const file of files) {
      for (const spec of relativeImports(fs.readFileSync(file, 'utf8'))) {
        const target = path.resolve(path.dirname(file), spec);
        if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
          bad.push(`${path.relative(SRC, file)}: '${spec}' is a folder, import '${spec}/index'`);
        } else if (!fs.existsSync(`${target}.ts`) && !fs.existsSync(target)) {
          bad.push(`${path.relative(SRC, file)}: '${spec}' does not resolve to a .ts file`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('uses no import.meta (CommonJS)', () => {
    const bad = files.filter((f) => /\bimport\.meta\b/.test(fs.readFileSync(f, 'utf8')));
    expect(bad.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
