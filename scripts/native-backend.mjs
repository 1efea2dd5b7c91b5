#!/usr/bin/env zx
// npm run setup:native — make the native TensorFlow backend (tfjs-node) work, offline too.
import { ensureNativeBackend } from './lib/native.mjs';
import { SetupError } from './lib/paths.mjs';

try {
  await ensureNativeBackend({ keepWheel: process.argv.includes('--keep-wheel') });
} catch (error) {
  console.error(error instanceof SetupError ? `[setup] ${error.message}` : error);
  process.exit(1);
}
