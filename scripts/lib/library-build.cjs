// The library compiled once to JavaScript with declarations, in dist/ (git-ignored), so that a
// notebook's first cell no longer waits for tslab to type-check and compile all of src/ (18 s on a
// quiet machine): tslab then reads dist/*.d.ts for types and Node loads dist/*.js.
//
// src/ stays the source of truth. The build records a SHA-256 of every file under src/ (and of the
// build config); the wsol-lab kernel rebuilds on start when they differ (jupyter/kernels/wsol-lab/
// launch.js), `npm run setup` does too, and dist/index.js refuses to load when src/ changed since
// the build, naming the files: a stale build cannot run unnoticed.
//
// CommonJS, because the kernel's launcher and dist/index.js (both CommonJS) require it.
// Usage: `node scripts/lib/library-build.cjs` (= `npm run build`) builds when needed.
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const srcDir = path.join(root, 'src');
const distDir = path.join(root, 'dist');
const config = path.join(root, 'tsconfig.build.json');
const stampFile = path.join(distDir, 'build.json');
/** First line of dist/index.js: the staleness check runs before anything of the library loads. */
const GUARD = "require('../scripts/lib/library-build.cjs').assertCurrentBuild();";

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

/** `{ 'src/x.ts': sha256, …, 'tsconfig.build.json': sha256 }` (and this file's), sorted by path. */
function sourceHashes() {
  const files = [...listFiles(srcDir), config, path.join(root, 'tsconfig.json'), __filename].sort();
  return Object.fromEntries(files.map((file) => [path.relative(root, file), sha256(file)]));
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The files that differ between src/ now and the last build (added, changed, removed). */
function changedSinceBuild(stamp = readStamp(), now = sourceHashes()) {
  if (!stamp || !stamp.files) return ['(no build yet)'];
  const names = new Set([...Object.keys(stamp.files), ...Object.keys(now)]);
  return [...names].filter((name) => stamp.files[name] !== now[name]).sort();
}

/**
 * Compiles src/ into dist/ with the project's TypeScript (incremental), whether or not it is current.
 * Type errors do not stop the build (tsc still emits); they are recorded and shown when the library
 * is loaded. Returns `{ seconds, diagnostics }`.
 */
function buildLibrary() {
  const started = Date.now();
  const files = sourceHashes();
  fs.mkdirSync(distDir, { recursive: true });
  // Without a stamp a half-finished build is never taken for a current one.
  fs.rmSync(stampFile, { force: true });
  const index = path.join(distDir, 'index.js');
  // tsc's incremental state would skip emitting files deleted by hand.
  if (!fs.existsSync(index)) fs.rmSync(path.join(distDir, '.tsbuildinfo'), { force: true });
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) throw new Error(`${path.relative(root, tsc)} is missing: run \`npm install\` (the build needs the devDependency typescript)`);
  const r = spawnSync(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
  if (r.error || !fs.existsSync(index) || (r.status !== 0 && r.status !== 2)) {
    throw new Error(`compiling src/ into dist/ failed (tsc exit ${r.status}): ${r.error ? r.error.message : ''}${r.stdout}${r.stderr}`.trim());
  }
  const diagnostics = `${r.stdout}${r.stderr}`.split('\n').filter((line) => line.trim() !== '').slice(0, 30);
  copyAssets();
  const code = fs.readFileSync(index, 'utf8');
  if (!code.startsWith(GUARD)) writeAtomically(index, `${GUARD}\n${code}`);
  writeAtomically(stampFile, JSON.stringify({ files, diagnostics, built: new Date().toISOString() }, null, 1));
  return { seconds: (Date.now() - started) / 1000, diagnostics };
}

/**
 * Files under src/ that tsc does not emit but the compiled code reads beside itself (the dense CRF's
 * WebAssembly kernels, src/crf/wasm/*.wasm, found through __dirname), copied to the same place in dist/.
 */
const ASSET_EXTENSIONS = ['.wasm'];

function copyAssets() {
  for (const file of listFiles(srcDir).filter((f) => ASSET_EXTENSIONS.includes(path.extname(f)))) {
    const target = path.join(distDir, path.relative(srcDir, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(file, temp);
    fs.renameSync(temp, target);
  }
}

function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/**
 * Builds dist/ when src/ changed since the last build (quick when current).
 * @param {{ log?: (message: string) => void }} options
 * @returns {{ built: boolean, seconds: number, changed: string[], diagnostics: string[] }}
 */
function ensureLibraryBuild(options = {}) {
  const log = options.log ?? (() => undefined);
  const changed = changedSinceBuild();
  if (changed.length === 0) return { built: false, seconds: 0, changed, diagnostics: readStamp().diagnostics ?? [] };
  log(`compiling src/ into dist/ (changed: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''})`);
  const result = buildLibrary();
  return { built: true, changed, ...result };
}

/**
 * Throws when src/ changed since dist/ was built, naming the files and what to do; warns once
 * (stderr) when the build had type errors. dist/index.js calls it first.
 */
function assertCurrentBuild() {
  const stamp = readStamp();
  const changed = changedSinceBuild(stamp);
  if (changed.length > 0) {
    const error = new Error(
      `the compiled library in dist/ is older than src/ (changed: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}). ` +
        'Restart the kernel (it rebuilds dist/ on start), or run `npm run build`.',
    );
    error.stack = `Error: ${error.message}`;
    throw error;
  }
  if (stamp.diagnostics && stamp.diagnostics.length > 0) {
    console.warn(`wsol-lab: src/ has type errors; dist/ was compiled anyway:\n${stamp.diagnostics.join('\n')}`);
  }
}

module.exports = { buildLibrary, ensureLibraryBuild, assertCurrentBuild, changedSinceBuild, distDir, stampFile };

if (require.main === module) {
  const result = ensureLibraryBuild({ log: (message) => console.log(`[build] ${message}`) });
  console.log(result.built ? `[build] dist/ built in ${result.seconds.toFixed(1)} s` : '[build] dist/ is current');
  for (const line of result.diagnostics) console.error(line);
  process.exitCode = result.diagnostics.length > 0 ? 1 : 0;
}
