#!/usr/bin/env node
// Starts the project's own tslab kernel with the repository root as working directory, so that
// notebooks can `import { … } from './dist/index'` wherever the notebook file lives. Jupyter runs this
// as `node {resource_dir}/launch.js {connection_file}` (see kernel.json beside it), in the notebook's
// folder: that folder is passed on as WSOL_NOTEBOOK_DIR, where relative file names are looked up.
// Before tslab starts, dist/ (the compiled library) is rebuilt if src/ changed since its last build.
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
try {
  const { ensureLibraryBuild } = require(path.join(root, 'scripts', 'lib', 'library-build.cjs'));
  const result = ensureLibraryBuild({ log: (message) => console.error(`[wsol-lab kernel] ${message}`) });
  if (result.built) console.error(`[wsol-lab kernel] dist/ built in ${result.seconds.toFixed(1)} s`);
} catch (error) {
  // The kernel still starts: importing dist/index then says what is wrong.
  console.error(`[wsol-lab kernel] could not build dist/: ${error.message}`);
}
const tslabBin = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
process.argv = [process.argv[0], tslabBin, 'kernel', '--config-path', connectionFile];
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
