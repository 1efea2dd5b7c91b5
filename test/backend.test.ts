import { describe, expect, it } from 'vitest';
import { backendReport, initBackend, parseBackendName, tf } from '../src';

describe('backend selection', () => {
  it('reports the active backend, which is the one tfjs uses', () => {
    const report = backendReport();
    expect(report).toBeDefined();
    expect(report!.name).toBe(tf.getBackend());
    console.log(`[backend] ${report!.name}: ${report!.reason}`);
  });

  it('uses the forced backend when WSOL_BACKEND is set, else the native one', () => {
    const forced = process.env.WSOL_BACKEND;
    expect(backendReport()!.name).toBe(forced ? parseBackendName(forced) : 'tensorflow');
  });

  it('rejects an unknown backend name with the list of valid ones', () => {
    expect(() => parseBackendName('gpu')).toThrow(/Unknown backend 'gpu'.*tensorflow, wasm, cpu/);
  });

  it('can be forced to cpu and back, computing the same numbers', async () => {
    const before = tf.getBackend();
    const x = [1, 2, 3, 4];
    const onBefore = tf.tidy(() => tf.tensor(x).square().sum().dataSync()[0]);
    await initBackend({ backend: 'cpu' });
    const onCpu = tf.tidy(() => tf.tensor(x).square().sum().dataSync()[0]);
    await initBackend({ backend: before as 'tensorflow' | 'wasm' | 'cpu' });
    expect(onCpu).toBe(30);
    expect(onBefore).toBe(30);
  });
});
