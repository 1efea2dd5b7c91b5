import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { camDefault, CAM_DEFAULT_LAST_CONV, gradcamDefault, GRADCAM_DEFAULT_LAST_CONV } from '../../src/models/small';
import { camStructure } from '../../src/cam/cam';
import { defaultLayerName } from '../../src/model/graph';

const builders = { camDefault, gradcamDefault } as const;

describe('camDefault / gradcamDefault', () => {
  for (const [name, build] of Object.entries(builders)) {
    it(`${name}: [n, s, s, 3] → softmax over the classes (rows sum to 1)`, () => {
      const model = build({ inputSize: 32, classes: 5 });
      const probs = tf.tidy(() => (model.predict(tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 1)) as tf.Tensor).arraySync() as number[][]);
      expect(probs.length).toBe(3);
      for (const row of probs) {
        expect(row.length).toBe(5);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      model.dispose();
    });

    it(`${name}: the same seed gives the same initial weights, another seed others`, () => {
      const values = (seed: number): Float32Array[] => {
        const m = build({ inputSize: 32, seed });
        const w = m.getWeights().map((t) => t.dataSync() as Float32Array);
        m.dispose();
        return w;
      };
      const a = values(4);
      const b = values(4);
      const c = values(5);
      a.forEach((w, i) => expect(Buffer.compare(Buffer.from(w.buffer), Buffer.from(b[i].buffer))).toBe(0));
      expect(Buffer.compare(Buffer.from(a[0].buffer), Buffer.from(c[0].buffer))).not.toBe(0);
    });

    it(`${name}: doesn't leak`, () => {
      const before = tf.memory().numTensors;
      build({ inputSize: 32 }).dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`${name}: validates its options`, () => {
      expect(() => build({ inputSize: 100 })).toThrow(/inputSize must be a positive multiple of (16|32), got 100/);
      expect(() => build({ classes: 1 })).toThrow(/classes must be an integer ≥ 2, got 1/);
    });
  }

  it('camDefault ends in cam_conv → GAP → Dense, the structure CAM needs', () => {
    const model = camDefault({ inputSize: 32 });
    expect(camStructure(model).featureLayer).toBe(CAM_DEFAULT_LAST_CONV);
    expect(model.getLayer('cam_conv').outputShape).toEqual([null, 4, 4, 128]); // 3 poolings: 32 / 8
    model.dispose();
  });

  it("gradcamDefault's last convolution is conv5_2 at 1/16 of the input, before flatten and two dense layers", () => {
    const model = gradcamDefault({ inputSize: 128 });
    expect(defaultLayerName(model)).toBe(GRADCAM_DEFAULT_LAST_CONV);
    expect(model.getLayer(GRADCAM_DEFAULT_LAST_CONV).outputShape).toEqual([null, 16, 16, 128]);
    expect(model.getLayer('flatten').outputShape).toEqual([null, 2048]);
    expect(model.layers.map((l) => l.getClassName()).slice(-4)).toEqual(['Flatten', 'Dense', 'Dropout', 'Dense']);
    model.dispose();
  });

  it("gradcamDefault's dropout draws a new mask at every training step (a seeded tfjs Dropout repeats one)", () => {
    const model = gradcamDefault({ inputSize: 32 });
    const dropout = model.getLayer('dropout');
    const masks = tf.tidy(() => {
      const ones = tf.ones([4, 256]);
      return [0, 1].map((k) => Array.from((dropout.apply(ones, { training: true }) as tf.Tensor).greater(0).dataSync()).join(''));
    });
    expect(masks[0]).not.toBe(masks[1]);
    model.dispose();
  });
});
