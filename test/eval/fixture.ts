/**
 * A tiny dataset folder in the wsolevaluation layout, written by the tests themselves: 16×16
 * black images with a red square (the "object") and masks of the ground-truth squares.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { Box } from '../../src/types';
import { LoadedModel, WeightsManifest, fsSaveHandler, makePreprocess, sha256 } from '../../src/weights';

export interface FixtureImage {
  readonly id: string;
  readonly classIndex: number;
  /** Ground-truth boxes (also drawn into the mask). */
  readonly boxes: Box[];
  /** Where the red square is painted (the "model" sees this). */
  readonly red: Box;
}

export const SIZE = 16;

export const FIXTURE: readonly FixtureImage[] = [
  { id: '000000', classIndex: 0, boxes: [{ x0: 2, y0: 2, x1: 5, y1: 5 }], red: { x0: 2, y0: 2, x1: 5, y1: 5 } },
  // red square shifted by 2: IoU = 4 / 28 = 1/7
  { id: '000001', classIndex: 1, boxes: [{ x0: 2, y0: 2, x1: 5, y1: 5 }], red: { x0: 4, y0: 4, x1: 7, y1: 7 } },
  // two ground-truth boxes; the red square is on the second
  { id: '000002', classIndex: 0, boxes: [{ x0: 0, y0: 0, x1: 3, y1: 3 }, { x0: 9, y0: 8, x1: 14, y1: 15 }], red: { x0: 9, y0: 8, x1: 14, y1: 15 } },
];

function paint(data: Uint8Array, channels: number, box: Box, value: number[]): void {
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) for (let c = 0; c < channels; c++) data[(y * SIZE + x) * channels + c] = value[c];
  }
}

async function png(file: string, data: Uint8Array, channels: 1 | 3): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(data), { raw: { width: SIZE, height: SIZE, channels } }).png().toFile(file);
}

/** Writes the fixture under a fresh temporary folder and returns its root. */
export async function writeFixture(options: { masks?: boolean; boxes?: boolean } = {}): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-eval-'));
  const meta = path.join(root, 'metadata', 'test');
  fs.mkdirSync(meta, { recursive: true });
  fs.writeFileSync(path.join(root, 'metadata', 'classes.txt'), 'apple\nbus\n');
  const lines = { ids: [] as string[], labels: [] as string[], sizes: [] as string[], boxes: [] as string[], masks: [] as string[] };
  for (const im of FIXTURE) {
    const imageId = `test/${im.id}.png`;
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    paint(rgb, 3, im.red, [255, 0, 0]);
    await png(path.join(root, imageId), rgb, 3);
    const grey = new Uint8Array(SIZE * SIZE);
    // soft edge: the left column of each box is 127 (background), the rest 200 (object)
    for (const b of im.boxes) paint(grey, 1, b, [200]);
    for (const b of im.boxes) paint(grey, 1, { ...b, x1: b.x0 }, [127]);
    await png(path.join(root, 'masks', imageId), grey, 1);
    lines.ids.push(imageId);
    lines.labels.push(`${imageId},${im.classIndex}`);
    lines.sizes.push(`${imageId},${SIZE},${SIZE}`);
    for (const b of im.boxes) lines.boxes.push(`${imageId},${b.x0},${b.y0},${b.x1},${b.y1}`);
    lines.masks.push(`${imageId},masks/${imageId},`);
  }
  const write = (name: string, l: string[]): void => fs.writeFileSync(path.join(meta, name), l.join('\n') + '\n');
  write('image_ids.txt', lines.ids);
  write('class_labels.txt', lines.labels);
  write('image_sizes.txt', lines.sizes);
  if (options.boxes ?? true) write('localization.txt', lines.boxes);
  if (options.masks ?? true) write('mask_localization.txt', lines.masks);
  return root;
}

/**
 * A model with a closed-form CAM: two 1×1 filters that both copy the red channel r, GAP, and a
 * diagonal Dense layer (2, 1), so the map of class 0 is 2r and of class 1 is r — both 1 on the red
 * square and 0 elsewhere after normalisation — and the logits are z = (2m, m) with m the mean red:
 * class 0 is predicted whenever there is red, and p(class 0) = σ(m) falls as red is deleted.
 */
export function redChannelModel(): LoadedModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'feat', filters: 2, kernelSize: 1, useBias: false, inputShape: [SIZE, SIZE, 3] }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'logits', units: 2, activation: 'softmax' }),
    ],
  });
  model.getLayer('feat').setWeights([tf.tensor4d([1, 1, 0, 0, 0, 0], [1, 1, 3, 2])]);
  model.getLayer('logits').setWeights([tf.tensor2d([2, 0, 0, 1], [2, 2]), tf.zeros([2])]);
  const manifest = {
    name: 'red-channel',
    description: 'test model',
    architecture: 'test',
    format: 'tfjs-layers',
    classes: ['apple', 'bus'],
    inputSize: [SIZE, SIZE],
    preprocessing: { colorSpace: 'RGB', layout: 'NHWC', resize: 'bilinear', scale: 1 / 255, offset: 0 },
    layers: { lastConv: 'feat', logits: 'logits' },
    training: {},
    metrics: {},
    files: {},
  } as WeightsManifest;
  return { model, manifest, preprocess: makePreprocess(manifest) };
}

/** Saves {@link redChannelModel} as a shipped model folder `<weightsDir>/red-channel` (model.json, weights, manifest). */
export async function saveRedChannelModel(weightsDir: string): Promise<void> {
  const { model, manifest } = redChannelModel();
  const dir = path.join(weightsDir, manifest.name);
  await model.save(fsSaveHandler(dir));
  model.dispose();
  const files: Record<string, string> = {};
  for (const f of ['model.json', 'weights.bin']) files[f] = sha256(new Uint8Array(fs.readFileSync(path.join(dir, f))));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, files }, null, 2));
}
