// Makes `require('@tensorflow/tfjs-node')` work without internet: the native TensorFlow library
// is taken from the tensorflow-cpu wheel that pip provides, staged where tfjs-node's build expects
// libtensorflow 2.9.1, and tfjs-node's binding is compiled against it. See environment.md.
import { $, fs, path, os } from 'zx';
import { root, cacheDir, step, ok, SetupError } from './paths.mjs';

export const TF_WHEEL_VERSION = '2.21.0';
const pkgDir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
/** File names tfjs-node 4.22's build and loader expect (libtensorflow 2.9.1 layout). */
const LIB_VERSION = '2.9.1';
/** Wheel members to extract: the two shared libraries and the C API headers they need. */
const LIBS = {
  'tensorflow/libtensorflow_cc.so.2': `libtensorflow.so.${LIB_VERSION}`,
  'tensorflow/libtensorflow_framework.so.2': `libtensorflow_framework.so.${LIB_VERSION}`,
};
const HEADER_PREFIXES = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tensorflow/core/platform/ctstring',
  'tensorflow/include/tsl/platform/ctstring',
  'tensorflow/include/xla/tsl/c/',
];
/** Links the loader and the linker look for (SONAMEs and -l names). */
const LINKS = {
  'libtensorflow.so': `libtensorflow.so.${LIB_VERSION}`,
  'libtensorflow_cc.so.2': `libtensorflow.so.${LIB_VERSION}`,
  'libtensorflow_framework.so': `libtensorflow_framework.so.${LIB_VERSION}`,
  'libtensorflow_framework.so.2': `libtensorflow_framework.so.${LIB_VERSION}`,
};

/** True when a fresh Node process can load tfjs-node and compute on the 'tensorflow' backend. */
export async function nativeBackendWorks() {
  const probe =
    "require('@tensorflow/tfjs-node'); const tf = require('@tensorflow/tfjs');" +
    "if (tf.getBackend() !== 'tensorflow') process.exit(3);" +
    "if (tf.tensor([1, 2, 3]).square().sum().dataSync()[0] !== 14) process.exit(4);";
  const r = await $({ cwd: root, nothrow: true, quiet: true, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } })`node -e ${probe}`;
  return r.exitCode === 0;
}

async function findWheel(dir) {
  if (!(await fs.pathExists(dir))) return undefined;
  const name = (await fs.readdir(dir)).find((f) => f.startsWith(`tensorflow_cpu-${TF_WHEEL_VERSION}-`) && f.endsWith('.whl'));
  return name && path.join(dir, name);
}

/** Gets the tensorflow-cpu wheel with pip, from whatever index pip is configured with. */
async function obtainWheel(dir) {
  const cached = await findWheel(dir);
  if (cached) return cached;
  step(`downloading tensorflow-cpu ${TF_WHEEL_VERSION} with pip (${dir})`);
  await fs.ensureDir(dir);
  const r = await $({ nothrow: true })`python3 -m pip download --no-deps --only-binary=:all: --retries 1 --timeout 30 --disable-pip-version-check -d ${dir} tensorflow-cpu==${TF_WHEEL_VERSION}`.quiet();
  const wheel = await findWheel(dir);
  if (r.exitCode !== 0 || !wheel) {
    throw new SetupError(
      `pip could not provide tensorflow-cpu==${TF_WHEEL_VERSION} (exit ${r.exitCode}):\n` +
        r.stderr.trim().split('\n').slice(-3).join('\n') +
        `\nWhat to do: configure pip with an index that has it (PIP_INDEX_URL), or put the wheel in ${dir},` +
        ` or run on WebAssembly instead with WSOL_BACKEND=wasm.`,
    );
  }
  return wheel;
}

/** Extracts the libraries and headers from the wheel into `dest` with Python's zipfile. */
async function extractFromWheel(wheel, dest) {
  const script = `
import sys, zipfile
wheel, dest, names, prefixes = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
z = zipfile.ZipFile(wheel)
members = [n for n in z.namelist() if n in names or any(n.startswith(p) for p in prefixes)]
missing = [n for n in names if n not in members]
if missing: sys.exit('missing in wheel: ' + ', '.join(missing))
z.extractall(dest, members)
`;
  await $`python3 -c ${script} ${wheel} ${dest} ${Object.keys(LIBS).join(',')} ${HEADER_PREFIXES.join(',')}`.quiet();
}

/** Copies a library, stripping its symbols when `strip` is available (saves ~200 MB). */
async function copyStripped(src, dst) {
  const r = await $({ nothrow: true })`strip --strip-unneeded -o ${dst} ${src}`.quiet();
  if (r.exitCode !== 0) await fs.copy(src, dst);
}

/** Builds `deps/` for tfjs-node in a temporary folder, then swaps it in whole. */
async function stageDeps(wheel) {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'wsol-tf-'));
  try {
    step('extracting libtensorflow and its C headers from the wheel');
    await extractFromWheel(wheel, work);
    const staged = path.join(pkgDir, 'deps.staging');
    await fs.remove(staged);
    await fs.ensureDir(path.join(staged, 'lib'));
    for (const [member, name] of Object.entries(LIBS)) {
      await copyStripped(path.join(work, member), path.join(staged, 'lib', name));
    }
    for (const [link, target] of Object.entries(LINKS)) await fs.symlink(target, path.join(staged, 'lib', link));
    await fs.move(path.join(work, 'tensorflow', 'include'), path.join(staged, 'include'));
    await fs.remove(path.join(pkgDir, 'deps'));
    await fs.move(staged, path.join(pkgDir, 'deps'));
  } finally {
    await fs.remove(work);
  }
}

/**
 * Ensures the native backend works; idempotent and quick when it already does.
 * @param {{ keepWheel?: boolean }} options
 */
export async function ensureNativeBackend({ keepWheel = false } = {}) {
  if (!(await fs.pathExists(pkgDir))) {
    throw new SetupError('node_modules/@tensorflow/tfjs-node is missing: run `npm install` first.');
  }
  if (await nativeBackendWorks()) {
    ok("native backend: 'tensorflow' (tfjs-node) already works");
    return;
  }
  const started = Date.now();
  const wheelDir = path.join(cacheDir, 'wheels');
  const wheel = await obtainWheel(wheelDir);
  await stageDeps(wheel);
  step('compiling the tfjs-node binding against it (npm rebuild, about a minute)');
  const r = await $({ cwd: root, nothrow: true })`npm rebuild @tensorflow/tfjs-node --ignore-scripts=false --foreground-scripts`.quiet();
  if (r.exitCode !== 0 || !(await nativeBackendWorks())) {
    const log = (r.stdout + r.stderr).split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 12).join('\n');
    throw new SetupError(`building tfjs-node against tensorflow-cpu ${TF_WHEEL_VERSION} failed:\n${log}`);
  }
  if (!keepWheel) await fs.remove(wheelDir);
  ok(`native backend: 'tensorflow' works (set up in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
