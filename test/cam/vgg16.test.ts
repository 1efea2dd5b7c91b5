/**
 * The VGG16 and VGG16-GAP architectures: the original layer names, shapes, parameter counts, and
 * the default layers and logits the localization methods use on them.
 */
import { describe, expect, it } from 'vitest';
import { camStructure, classScores, defaultLayerName, gradCam, plumbingReport, tf, vgg16, vgg16Gap } from '../../src';

const CONV_NAMES = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3', 'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3'];

/** Parameters of the 13 conv layers: Σ 3·3·cin·cout + cout. */
const CONV_PARAMS = [
  [3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256], [256, 256],
  [256, 512], [512, 512], [512, 512], [512, 512], [512, 512], [512, 512],
].reduce((s, [cin, cout]) => s + 9 * cin * cout + cout, 0);

describe('vgg16', () => {
  it('has the Caffe layer names, 138,357,544 parameters at 224 × 224 × 1000 and a softmax fc8', () => {
    // Counted without building the 224 model: fc6 sees 7·7·512 inputs at 224.
    const fc = 7 * 7 * 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000;
    expect(CONV_PARAMS + fc).toBe(138_357_544); // the published VGG16 count
    const model = vgg16({ inputSize: 32, classes: 10 });
    const names = model.layers.map((l) => l.name);
    expect(names).toEqual([
      'conv1_1', 'conv1_2', 'pool1', 'conv2_1', 'conv2_2', 'pool2', 'conv3_1', 'conv3_2', 'conv3_3', 'pool3',
      'conv4_1', 'conv4_2', 'conv4_3', 'pool4', 'conv5_1', 'conv5_2', 'conv5_3', 'pool5', 'flatten', 'fc6', 'fc7', 'fc8',
    ]);
    expect(model.countParams()).toBe(CONV_PARAMS + 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10);
    expect(model.getLayer('pool5').outputShape).toEqual([null, 1, 1, 512]);
    expect(model.getLayer('fc8').getConfig().activation).toBe('softmax');
    expect(defaultLayerName(model)).toBe('conv5_3');
    const report = plumbingReport(model);
    expect(report.defaultLayer).toBe('conv5_3');
    expect(report.defaultLayerShape).toEqual([null, 2, 2, 512]);
    expect(report.scores).toBe("the logits of 'fc8' (its softmax skipped)");
    expect(report.layers).toEqual(names);
    model.dispose();
  });

  it('vgg16Gap drops pool5 and adds CAM_conv (3×3, 1024), CAM_pool (GAP) and CAM_fc', async () => {
    const model = vgg16Gap({ inputSize: 32, classes: 5 });
    const names = model.layers.map((l) => l.name);
    expect(names.slice(-4)).toEqual(['conv5_3', 'CAM_conv', 'CAM_pool', 'CAM_fc']);
    expect(names).not.toContain('pool5');
    expect(model.getLayer('conv5_3').outputShape).toEqual([null, 2, 2, 512]);
    expect(model.getLayer('CAM_conv').outputShape).toEqual([null, 2, 2, 1024]);
    expect(model.countParams()).toBe(CONV_PARAMS + 9 * 512 * 1024 + 1024 + 1024 * 5 + 5);
    expect(CONV_PARAMS + 9 * 512 * 1024 + 1024 + 1024 * 1000 + 1000).toBe(20_459_304);
    expect(defaultLayerName(model)).toBe('CAM_conv');
    expect(camStructure(model).featureLayer).toBe('CAM_conv');
    const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const z = classScores(model, images);
    const p = model.predict(images) as tf.Tensor;
    const softmaxOfZ = tf.softmax(z);
    expect(Math.max(...Array.from(tf.sub(softmaxOfZ, p).abs().dataSync()))).toBeLessThan(1e-6);
    const [map] = await gradCam(model, images, { target: 3 });
    expect([map.width, map.height]).toEqual([32, 32]);
    tf.dispose([images, z, p, softmaxOfZ]);
    model.dispose();
  });

  it('rejects sizes that do not divide', () => {
    expect(() => vgg16({ inputSize: 48 })).toThrow(/multiple of 32, got 48/);
    expect(() => vgg16Gap({ classes: 0 })).toThrow(/classes must be a positive integer/);
  });
});
