/**
 * Score-CAM's default target (issue 14, item 1): the class predicted on the unmasked image scores
 * every masked image (Wang et al., eq. 4–7), not whichever class wins on each masked image.
 */
import { describe, expect, it } from 'vitest';
import { classScores, scoreCam, tf, topClassTarget } from '../../src';
import { gapModel, maxAbsDiff, seededImages } from './fixtures';

describe('Score-CAM default target', () => {
  it('equals the explicit predicted-class call, and differs from re-picking the top class per masked image', async () => {
    const model = gapModel(8, 3, 6, 5, 141);
    const images = seededImages(3, 8, 8, 3, 142);
    const predicted = tf.tidy(() => Array.from(tf.argMax(classScores(model, images), 1).dataSync()));
    const byDefault = await scoreCam(model, images);
    const explicit = await scoreCam(model, images, { target: predicted });
    const perMask = await scoreCam(model, images, { target: topClassTarget() });
    let differs = 0;
    for (let b = 0; b < 3; b++) {
      expect(maxAbsDiff(byDefault[b].data, explicit[b].data)).toBeLessThan(1e-6);
      differs = Math.max(differs, maxAbsDiff(explicit[b].data, perMask[b].data));
    }
    // The fixture is one where some masked image is won by another class: the two readings differ.
    expect(differs).toBeGreaterThan(0.05);
    tf.dispose(images);
    model.dispose();
  });

  it("doesn't leak", async () => {
    const model = gapModel(6, 2, 4, 3, 143);
    const images = seededImages(2, 6, 6, 2, 144);
    const before = tf.memory().numTensors;
    await scoreCam(model, images);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(images);
    model.dispose();
  });
});
