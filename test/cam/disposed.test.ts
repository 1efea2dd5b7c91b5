/**
 * A disposed tensor passed to any method is rejected before any computation, with an error that
 * names the method and the argument (not tfjs' "Cannot read properties of undefined (reading
 * 'backend')"), and nothing is allocated on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../../src';
import { tf } from '../../src';
import { gapModel, seededImages } from './fixtures';

describe('a disposed input tensor', () => {
  let model: tf.LayersModel;
  let disposed: tf.Tensor4D;
  beforeAll(() => {
    model = gapModel(6, 2, 3, 4, 41);
    disposed = seededImages(1, 6, 6, 2, 42);
    disposed.dispose();
  });
  afterAll(() => model.dispose());

  const calls: Record<string, () => Promise<unknown> | unknown> = {
    ...Object.fromEntries(Object.entries(lib.HEATMAP_METHODS).map(([name, method]) => [name, () => method(model, disposed, { target: 1 })])),
    guidedBackprop: () => lib.guidedBackprop(model, disposed, { target: 1 }),
    guidedGradCam: () => lib.guidedGradCam(model, disposed, { target: 1 }),
    topK: () => lib.topK(model, disposed, 2),
    classScores: () => lib.classScores(model, disposed),
    layerActivations: () => lib.layerActivations(model, disposed, 'feat'),
    layerGradients: () => lib.layerGradients(model, disposed, 'feat', 1),
    inputGradients: () => lib.inputGradients(model, disposed, 1),
  };

  for (const [name, call] of Object.entries(calls)) {
    it(`${name} rejects it, naming the argument, and allocates nothing`, async () => {
      const before = tf.memory().numTensors;
      const error = await (async () => call())().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error, `${name} accepted a disposed tensor`).toBeInstanceOf(TypeError);
      expect(error!.message).toMatch(/images: this tensor was disposed/);
      expect(error!.message).not.toMatch(/reading 'backend'/);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('names the method in the message', async () => {
    await expect(lib.gradCam(model, disposed)).rejects.toThrow(/^gradCam: images: this tensor was disposed/);
  });
});
