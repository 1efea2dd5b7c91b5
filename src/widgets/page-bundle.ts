/**
 * The page bundle: the library's pure parts (dense CRF, CAM → unary recipe, boxes and metrics,
 * colour maps and overlays) and the widgets' page code, bundled by esbuild from src/ into one
 * script that runs in a notebook page and in its Web Workers. The page calls the very functions
 * the kernel does; no code is written twice.
 *
 * Built at first use and cached in `.cache/widgets/`, with the SHA-256 of every input file (and of
 * this file, the build's configuration): a cached build is used only when every input still hashes
 * the same, so a stale bundle cannot be served; editing src/ rebuilds on the next widget.
 *
 * The CRF's Node-only thread pool (src/crf/threads.ts: `os`, `worker_threads`) is replaced by
 * src/crf/single-thread.ts, the same interface on one thread; any other Node built-in reached from
 * the entry fails the build with esbuild's own message naming the importing file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Plugin } from 'esbuild';

/** A built page bundle. */
export interface PageBundle {
  /** The script, safe to inline in a `<script>` element. */
  readonly code: string;
  /** SHA-256 of the code (hex, 16 digits): identifies the build in the page. */
  readonly hash: string;
  /** The input files, relative to the repository root, with their SHA-256. */
  readonly inputs: Readonly<Record<string, string>>;
}

/** The global the bundle is wrapped in, so a Web Worker can be started from its own source. */
export const PAGE_BOOT_GLOBAL = 'wsolLabBoot';

/** The repository root: the first folder above this file holding wsol-lab's package.json. */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'wsol-lab') {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`page bundle: no wsol-lab package.json above ${from}`);
  }
}

const ROOT = repositoryRoot();
const ENTRY = path.join(ROOT, 'src', 'widgets', 'page', 'entry.ts');
const CACHE_DIR = path.join(ROOT, '.cache', 'widgets');
const CACHE_INDEX = path.join(CACHE_DIR, 'page.json');
/** Besides the bundled sources: this file (the build's configuration) and esbuild's version. */
const BUILD_FILES = ['src/widgets/page-bundle.ts', 'node_modules/esbuild/package.json', 'src/crf/wasm/kernels.wasm'];

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hashes of the given repository-relative files; a missing file hashes as 'missing'. */
function hashFiles(files: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    const full = path.join(ROOT, file);
    out[file] = fs.existsSync(full) ? sha256(fs.readFileSync(full)) : 'missing';
  }
  return out;
}

/** True when every input of `bundle` still has the recorded hash. */
export function isCurrent(bundle: PageBundle): boolean {
  const now = hashFiles(Object.keys(bundle.inputs));
  return Object.entries(bundle.inputs).every(([file, hash]) => now[file] === hash);
}

/** The CRF's Node.js glue → its stand-ins for pages (see the module comment). */
const BROWSER_STAND_INS: Readonly<Record<string, string>> = { './threads': 'single-thread.ts', './wasm-node': 'wasm-browser.ts' };

const browserCrf: Plugin = {
  name: 'wsol-browser-crf',
  setup(build) {
    build.onResolve({ filter: /^\.\/(threads|wasm-node)$/ }, (args) =>
      path.basename(args.resolveDir) === 'crf' ? { path: path.join(args.resolveDir, BROWSER_STAND_INS[args.path]) } : undefined,
    );
  },
};

/** The plain-memory WebAssembly kernels, inlined for wasm-browser.ts (when the CRF has them). */
const CRF_WASM = 'src/crf/wasm/kernels.wasm';

/** Writes `text` to `file` through a temporary file and a rename: never half-written. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

function readCachedBundle(): PageBundle | undefined {
  try {
    const index = JSON.parse(fs.readFileSync(CACHE_INDEX, 'utf8')) as { hash: string; inputs: Record<string, string> };
    const code = fs.readFileSync(path.join(CACHE_DIR, `page-${index.hash}.js`), 'utf8');
    const bundle = { code, hash: index.hash, inputs: index.inputs };
    return sha256(code).slice(0, 16) === index.hash && isCurrent(bundle) ? bundle : undefined;
  } catch {
    return undefined;
  }
}

/** `WSOL_CRF_WASM_BASE64`: the kernels' bytes as base64, when the CRF has them. */
function crfWasmDefine(): Record<string, string> {
  const file = path.join(ROOT, CRF_WASM);
  return fs.existsSync(file) ? { WSOL_CRF_WASM_BASE64: JSON.stringify(fs.readFileSync(file).toString('base64')) } : {};
}

/** Runs esbuild on the entry; returns the bundle with the hashes of the files it read. */
export async function buildPageBundle(): Promise<PageBundle> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    absWorkingDir: ROOT,
    plugins: [browserCrf],
    define: crfWasmDefine(),
    banner: { js: `globalThis.${PAGE_BOOT_GLOBAL} = function () {` },
    footer: { js: `};\nglobalThis.${PAGE_BOOT_GLOBAL}();` },
  });
  const code = result.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  const inputs = hashFiles([...new Set([...Object.keys(result.metafile.inputs), ...BUILD_FILES])].sort());
  return { code, hash: sha256(code).slice(0, 16), inputs };
}

/** The cached build when it is still current (exported for the tests). */
export const readCachedBundleForTest = (): PageBundle | undefined => readCachedBundle();

let memo: PageBundle | undefined;

/**
 * The page bundle, from memory, the cache or a fresh build, whichever is still current (see the
 * module comment). About 0.3 s to build, a few milliseconds to verify.
 *
 * @throws Error with esbuild's messages when the build fails (e.g. a Node built-in reached from the page).
 */
export async function pageBundle(): Promise<PageBundle> {
  if (memo !== undefined && isCurrent(memo)) return memo;
  const cached = readCachedBundle();
  if (cached !== undefined) return (memo = cached);
  let built: PageBundle;
  try {
    built = await buildPageBundle();
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (!errors) throw error;
    const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
    throw new Error(`page bundle: esbuild failed on ${path.relative(ROOT, ENTRY)}:\n${lines.join('\n')}`);
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const file = `page-${built.hash}.js`;
  writeAtomically(path.join(CACHE_DIR, file), built.code);
  writeAtomically(CACHE_INDEX, JSON.stringify({ hash: built.hash, inputs: built.inputs }, null, 1));
  for (const old of fs.readdirSync(CACHE_DIR)) {
    if (/^page-[0-9a-f]+\.js$/.test(old) && old !== file) fs.rmSync(path.join(CACHE_DIR, old), { force: true });
  }
  return (memo = built);
}
