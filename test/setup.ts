/**
 * Vitest set-up: start the backend once per test file (tensorflow → wasm → cpu, or WSOL_BACKEND).
 */
import { beforeAll } from 'vitest';
import { initBackend } from '../src/backend';

beforeAll(async () => {
  await initBackend();
});
