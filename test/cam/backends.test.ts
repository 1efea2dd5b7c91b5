/**
 * The same numbers on the cpu backend and the active one (native TensorFlow here), within 1e-4.
 */
import { describe, expect, it } from 'vitest';
import * as lib from '../../src';
import { initBackend, tf } from '../../src';
import { maxAbsDiff, seededImages, skipModel } from './fixtures';

type Outputs = Record<string, Float32Array[]>;

async function runAll(model: tf.LayersModel, images: tf.Tensor4D): Promise<Outputs> {
  const target = [0, lib.softmaxTarget(2)];
  const out: Outputs = {};
  for (const name of ['cam', 'gradCam', 'gradCamPlusPlus', 'xGradCam', 'layerCam', 'hiResCam', 'scoreCam', 'eigenCam'] as const) {
    out[name] = (await lib[name](model, images, { target })).map((m) => m.data);
  }
  out.guidedBackprop = (await lib.guidedBackprop(model, images, { target })).map((g) => g.data);
  out.guidedGradCam = (await lib.guidedGradCam(model, images, { target })).map((g) => g.data);
  const z = lib.classScores(model, images);
  out.classScores = [z.dataSync() as Float32Array];
  z.dispose();
  return out;
}

describe('backend equivalence', () => {
  it('cpu and the active backend agree within 1e-4 for every method', async () => {
    const active = tf.getBackend() as lib.BackendName;
    const model = skipModel(8, 141);
    const images = seededImages(2, 8, 8, 2, 142);
    const onActive = await runAll(model, images);
    let onCpu: Outputs;
    try {
      await initBackend({ backend: 'cpu' });
      expect(tf.getBackend()).toBe('cpu');
      onCpu = await runAll(model, images);
    } finally {
      await initBackend({ backend: active });
    }
    expect(tf.getBackend()).toBe(active);
    console.log(`[backends] compared cpu with ${active}`);
    for (const name of Object.keys(onActive)) {
      onActive[name].forEach((data, b) => {
        expect(maxAbsDiff(data, onCpu[name][b]), `${name}[${b}]`).toBeLessThan(1e-4);
      });
    }
    images.dispose();
    model.dispose();
  });
});
