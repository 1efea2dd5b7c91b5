#!/usr/bin/env node
// Starts the project's own tslab kernel with the repository root as working directory, so that
// notebooks can `import { … } from './dist/index'` wherever the notebook file lives. Jupyter runs this
// as `node {resource_dir}/launch.js {connection_file}` (see kernel.json beside it) in the notebook's
// folder: that folder is passed on as WSOL_NOTEBOOK_DIR, where relative file names are looked up.
//
// Before tslab starts: dist/ (the compiled library) is rebuilt if src/ changed since its last build;
// tslab's TypeScript program is warmed with the library's declarations and the library is loaded,
// so that a notebook's first cell does not wait for either; error stacks leave out tslab's and
// Node's internal frames (under every error they only repeat how a cell is run).
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2] && path.resolve(process.argv[2]);
if (!connectionFile) {
  console.error('usage: launch.js <connection_file>');
  process.exit(2);
}
if (process.env.WSOL_NOTEBOOK_DIR === undefined) process.env.WSOL_NOTEBOOK_DIR = process.cwd();
process.chdir(root);
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
const log = (message) => console.error(`[wsol-lab kernel] ${message}`);

/** Builds dist/ when needed; false when it could not (importing dist/index then says why). */
function ensureLibrary() {
  try {
    const { ensureLibraryBuild, assertCurrentBuild } = require(path.join(root, 'scripts', 'lib', 'library-build.cjs'));
    const result = ensureLibraryBuild({ log });
    if (result.built) log(`dist/ built in ${result.seconds.toFixed(1)} s`);
    assertCurrentBuild();
    return true;
  } catch (error) {
    log(`dist/ is not usable: ${error.message}`);
    return false;
  }
}

/** Every converter tslab creates first compiles a cell that imports the library's declarations. */
function warmConverters() {
  const converter = require(path.join(root, 'node_modules', 'tslab', 'dist', 'converter.js'));
  const create = converter.createConverter;
  converter.createConverter = (options) => {
    const created = create(options);
    if (!options || !options.isBrowser) {
      try {
        created.convert('', "import * as wsolLabWarmUp from './dist/index';\nwsolLabWarmUp;");
      } catch (error) {
        log(`warming tslab up failed (harmless): ${error.message}`);
      }
    }
    return created;
  };
}

/** Stack frames of tslab and of Node's internals are dropped from error stacks. */
function hideKernelFrames() {
  const hidden = [path.join(root, 'node_modules', 'tslab') + path.sep, 'node:internal/'];
  Error.prepareStackTrace = (error, frames) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    const kept = frames.filter((frame) => !hidden.some((prefix) => (frame.getFileName() || '').startsWith(prefix)));
    return [header, ...kept.map((frame) => `    at ${frame}`)].join('\n');
  };
}

// WSOL_KERNEL_WARM=0 skips the warm-up and the preloading (to measure what they save).
if (ensureLibrary() && process.env.WSOL_KERNEL_WARM !== '0') {
  warmConverters();
  try {
    require(path.join(root, 'dist', 'index.js'));
  } catch (error) {
    log(`loading dist/index failed: ${error.message}`);
  }
}
hideKernelFrames();
const tslabBin = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
process.argv = [process.argv[0], tslabBin, 'kernel', '--config-path', connectionFile];
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
