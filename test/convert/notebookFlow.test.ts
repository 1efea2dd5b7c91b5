/**
 * What a notebook does with converted weights: convert (CLI), load the folder, preprocess an RGB
 * image, and run CAM with the layers the manifest names. The CAM map is checked against its closed
 * form M_c = ReLU(Σ_k W[c, k] A_k) with W read straight from the caffemodel (Caffe's (out, in) CAM_fc).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cam } from '../../src/cam/cam';
import { runConvertCli } from '../../src/convert/cli';
import { readCaffemodel } from '../../src/convert/readCaffemodel';
import { loadConvertedModel } from '../../src/convert/writeConvertedModel';
import { FIXTURES, maxAbsDiff, readFixture, readReference, tinyBuilder } from './tinyVgg';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-convert-flow-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('converted VGG16-GAP in the notebook flow', () => {
  it('gives CAM maps equal to Σ_k W[c,k] A_k with W from the caffemodel', async () => {
    const ref = readReference('caffe_vgg16gap_reference.json');
    const out = path.join(tmp, 'gap');
    await runConvertCli(
      ['--from', 'caffe', path.join(FIXTURES, 'tiny_vgg16gap.caffemodel'), '--arch', 'vgg16-gap', '--input-size', '32', '--out', out],
      { log: () => undefined, build: tinyBuilder(ref) },
    );
    const { model, manifest, preprocess } = await loadConvertedModel(out);
    const camFc = readCaffemodel(readFixture('tiny_vgg16gap.caffemodel')).layers.find((l) => l.name === 'CAM_fc')!.tensors[0];
    const [classes, channels] = camFc.shape;
    try {
      expect(manifest.layers).toEqual({ lastConv: 'CAM_conv', logits: 'CAM_fc' });
      const rgb = tf.tidy(() => tf.linspace(0, 255, 32 * 32 * 3).reshape([32, 32, 3]).reverse(0) as tf.Tensor3D);
      const x = preprocess(rgb);
      const target = 4;
      const [map] = await cam(model, x, { target, layer: manifest.layers.lastConv, upsample: false });
      const expected = tf.tidy(() => {
        const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('CAM_conv').output as tf.SymbolicTensor });
        const a = features.predict(x) as tf.Tensor4D; // [1, 2, 2, 12]
        const w = tf.tensor1d(camFc.values(target * channels, channels));
        const m = tf.relu(tf.sum(tf.mul(a, w), 3)).flatten();
        const [min, max] = [m.min(), m.max()];
        return m.sub(min).div(max.sub(min)).dataSync();
      });
      expect(classes).toBe(10);
      expect([map.width, map.height]).toEqual([2, 2]);
      expect(maxAbsDiff(map.data, expected)).toBeLessThan(1e-5);
      tf.dispose([rgb, x]);
    } finally {
      model.dispose();
    }
  });
});
