#!/usr/bin/env node
// Starts the project's own tslab kernel with the repository root as working directory, so that
// notebooks can `import { … } from './src'` wherever the notebook file lives. Jupyter runs this as
// `node {resource_dir}/launch.js {connection_file}` (see kernel.json beside it).
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2] && path.resolve(process.argv[2]);
if (!connectionFile) {
  console.error('usage: launch.js <connection_file>');
  process.exit(2);
}
process.chdir(root);
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
const tslabBin = path.join(root, 'node_modules', 'tslab', 'bin', 'tslab');
process.argv = [process.argv[0], tslabBin, 'kernel', '--config-path', connectionFile];
require(path.join(root, 'node_modules', 'tslab', 'dist', 'main.js')).main();
