/**
 * The kernel side of the widgets: payloads (checked, and decoded back exactly), the page bundle
 * (built from src/ without Node built-ins, cached only while current), the once-per-session
 * inlining, and the compute modules against the library's own functions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CAM_CRF_DEFAULTS,
  classExplorerPayload,
  computeClassExplorer,
  crfOptionsLiteral,
  crfTunerPayload,
  MimeBundle,
  pageBundle,
  refineCamWithCrf,
  setDisplaySink,
  showClassExplorer,
  showCrfTuner,
  tunerParameters,
  widgetBundle,
} from '../../src/index';
import { decodeBytes, decodeFloat32, encodeBase64 } from '../../src/widgets/encoding';
import { isCurrent, repositoryRoot } from '../../src/widgets/page-bundle';
import { classExplorerInputs, crfTunerInputs, defaultZoom } from '../../src/widgets/payload';
import { scene } from './fixtures';

const ROOT = repositoryRoot();

afterEach(() => setDisplaySink(undefined));

describe('encoding', () => {
  it('round-trips bytes and float32 values exactly, views included', () => {
    const floats = Float32Array.from([0, 1, -2.5, 1e-30, Math.PI, NaN, 3.4e38]);
    const back = decodeFloat32(encodeBase64(floats), floats.length, 'f');
    expect(Array.from(back)).toEqual(Array.from(floats));
    const big = new Uint8Array(100_003).map((_, i) => (i * 7919) % 256);
    const view = big.subarray(5, 70_005);
    expect(decodeBytes(encodeBase64(view), view.length, 'b')).toEqual(view);
  });

  it('names the field when the length is wrong or the text is not base64', () => {
    expect(() => decodeBytes(encodeBase64(new Uint8Array(5)), 6, 'CRF tuner truth')).toThrow('CRF tuner truth: expected 6 bytes, got 5');
    expect(() => decodeBytes('!!', 1, 'image')).toThrow('image: not base64 text');
  });
});

describe('CRF tuner payload', () => {
  const s = scene(40, 30);

  it('decodes back to the same image, heatmap and truth, with every parameter filled', () => {
    const payload = crfTunerPayload(s.image, s.heatmap, { truth: s.truth, initial: { bilateralSrgb: [5, 5, 5], iterations: 3 } });
    const inputs = crfTunerInputs(JSON.parse(JSON.stringify(payload)));
    expect(inputs.image.data).toEqual(s.image.data);
    expect(inputs.heatmap.data).toEqual(s.heatmap.data);
    expect(inputs.truth?.data).toEqual(s.truth);
    expect(payload.parameters).toEqual({ ...CAM_CRF_DEFAULTS, bilateralSrgb: 5, iterations: 3 });
    expect(payload.zoom).toBe(defaultZoom(40, 30));
    expect(defaultZoom(128, 128)).toBe(2);
    expect(defaultZoom(500, 375)).toBe(1);
  });

  it('tunerParameters({}) gives the same CRF result as refineCamWithCrf without options', () => {
    const a = refineCamWithCrf(s.image, s.heatmap, tunerParameters({}));
    const b = refineCamWithCrf(s.image, s.heatmap);
    expect(a.Q).toEqual(b.Q);
  });

  it('rejects bad arguments in the kernel, naming them', () => {
    const grey = { width: 40, height: 30, channels: 1 as const, data: new Uint8Array(1200) };
    expect(() => crfTunerPayload(grey, s.heatmap)).toThrow('showCrfTuner: the image must be RGB (3 channels), got 1');
    const small = { width: 20, height: 15, data: new Float32Array(300) };
    expect(() => crfTunerPayload(s.image, small)).toThrow('showCrfTuner: the heatmap is 20×15 (300 values); the image is 40×30');
    const hot = { ...s.heatmap, data: s.heatmap.data.map((v) => 2 * v) };
    expect(() => crfTunerPayload(s.image, hot)).toThrow(/outside \[0, 1\]/);
    expect(() => crfTunerPayload(s.image, s.heatmap, { truth: new Uint8Array(1200).fill(255) })).toThrow(/expected 0 or 1/);
    expect(() => crfTunerPayload(s.image, s.heatmap, { initial: { gaussianSxy: [3, 4] } })).toThrow(
      'CRF tuner: gaussianSxy must be one value for every axis, got [3, 4]',
    );
    expect(() => crfTunerPayload(s.image, s.heatmap, { zoom: 0 })).toThrow('showCrfTuner: zoom must be an integer in 1…16, got 0');
  });

  it('copies as code: the literal evaluates back to the parameters', () => {
    for (const initial of [{}, { background: 'constant' as const, backgroundConstant: 0.3, scale: 0.9, clip: 1e-7, gaussianSxy: 2.35 }]) {
      const p = tunerParameters(initial);
      const literal = crfOptionsLiteral(p);
      const back = new Function(`return ${literal};`)() as Record<string, unknown>;
      const expected: Record<string, unknown> = { ...p };
      if (p.background === 'constant') delete expected.backgroundPower;
      else delete expected.backgroundConstant;
      expect(back).toEqual(expected);
    }
  });
});

describe('class explorer payload', () => {
  const s = scene(40, 30);
  const classes = [
    { name: 'disc', score: 0.8, heatmap: s.heatmap },
    { name: 'corner', score: 0.15, heatmap: s.other },
  ];

  it('decodes back exactly and computes the CAM box and IoU of the library', () => {
    const truthBox = { x0: 10, y0: 7, x1: 26, y1: 23 };
    const payload = classExplorerPayload(s.image, classes, { truthBox, initial: 1 });
    const inputs = classExplorerInputs(JSON.parse(JSON.stringify(payload)));
    expect(inputs.classes.map((c) => c.heatmap.data)).toEqual([s.heatmap.data, s.other.data]);
    const view = computeClassExplorer(inputs, 0, 0.2, 0.5);
    expect(view.box).toBeDefined();
    // The box of 'disc' at 20 %: brute force over the pixels above 0.2·max (one blob, so the largest component is all of them).
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    const max = Math.max(...s.heatmap.data);
    s.heatmap.data.forEach((v, i) => {
      if (v > Math.fround(0.2 * max)) {
        const x = i % 40, y = Math.floor(i / 40);
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    });
    expect(view.box).toEqual({ x0, y0, x1, y1 });
    const inter = (Math.min(x1, 26) - Math.max(x0, 10) + 1) * (Math.min(y1, 23) - Math.max(y0, 7) + 1);
    expect(view.iou).toBeCloseTo(inter / ((x1 - x0 + 1) * (y1 - y0 + 1) + 17 * 17 - inter), 12);
    expect(computeClassExplorer(inputs, 0, 1, 0.5)).toMatchObject({ box: undefined, iou: 0 });
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => classExplorerPayload(s.image, [])).toThrow('showClassExplorer: give at least one class');
    expect(() => classExplorerPayload(s.image, classes, { truthBox: { x0: 0, y0: 0, x1: 40, y1: 5 } })).toThrow('not inside a 40×30 image');
    expect(() => classExplorerPayload(s.image, classes, { threshold: 1.5 })).toThrow('threshold must be in [0, 1], got 1.5');
    expect(() => classExplorerPayload(s.image, classes, { initial: 2 })).toThrow('initial must be a class index in 0…1, got 2');
    expect(() => classExplorerPayload(s.image, [{ ...classes[0], score: NaN }])).toThrow("the score of class 0 ('disc') is NaN");
  });
});

describe('page bundle', () => {
  it('is built from src/ with the single-thread CRF and no Node-only module', async () => {
    const bundle = await pageBundle();
    const files = Object.keys(bundle.inputs);
    expect(files).toContain('src/crf/single-thread.ts');
    expect(files).toContain('src/crf/refine-cam.ts');
    expect(files).not.toContain('src/crf/threads.ts');
    expect(files.filter((f) => /display\/|node_modules\/(?!esbuild\/package\.json)/.test(f))).toEqual([]);
    expect(bundle.code).not.toMatch(/require\(["'](os|fs|worker_threads|sharp)["']\)/);
    expect(bundle.code).not.toMatch(/<\/script/i);
    console.log(`[widgets] page bundle ${(bundle.code.length / 1024).toFixed(0)} KiB from ${files.length} files`);
  });

  it('is current only while every input hashes the same', async () => {
    const bundle = await pageBundle();
    expect(isCurrent(bundle)).toBe(true);
    const edited = { ...bundle, inputs: { ...bundle.inputs, 'src/crf/refine-cam.ts': '0'.repeat(64) } };
    expect(isCurrent(edited)).toBe(false);
    const index = JSON.parse(fs.readFileSync(path.join(ROOT, '.cache', 'widgets', 'page.json'), 'utf8'));
    expect(index.hash).toBe(bundle.hash);
    expect(fs.readFileSync(path.join(ROOT, '.cache', 'widgets', `page-${bundle.hash}.js`), 'utf8')).toBe(bundle.code);
  });

  it('rebuilds when the cache holds a stale build', async () => {
    const bundle = await pageBundle();
    const indexFile = path.join(ROOT, '.cache', 'widgets', 'page.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    index.inputs['src/types.ts'] = 'f'.repeat(64);
    fs.writeFileSync(indexFile, JSON.stringify(index));
    const { readCachedBundleForTest } = await import('../../src/widgets/page-bundle');
    expect(readCachedBundleForTest()).toBeUndefined();
  });
});

describe('widget outputs', () => {
  const s = scene(24, 16);

  it('carry the page bundle once per kernel session, the payload as JSON and a plain-text fallback', async () => {
    const shown: MimeBundle[] = [];
    setDisplaySink((b) => shown.push(b));
    delete (globalThis as Record<string, unknown>).__wsolLabPageBundleSent;
    await showCrfTuner(s.image, s.heatmap, { truth: s.truth });
    await showClassExplorer(s.image, [{ name: 'disc', score: 0.9, heatmap: s.heatmap }]);
    const bundle = await pageBundle();
    const html = shown.map((b) => String(b['text/html']));
    expect(html[0]).toContain(bundle.code);
    expect(html[1]).not.toContain(bundle.code);
    expect(html[1].length).toBeLessThan(20_000);
    expect(shown[0]['text/plain']).toBe('<CRF tuner 24×16: open in JupyterLab, the classic notebook or the HTML export>');
    const json = html[1].slice(html[1].indexOf('-data">') + 7, html[1].indexOf('</script>'));
    expect(JSON.parse(json)).toEqual(classExplorerPayload(s.image, [{ name: 'disc', score: 0.9, heatmap: s.heatmap }]));
    expect(widgetBundle(JSON.parse(json), bundle, { id: 'w1' })['text/html']).toContain('<div id="w1" class="wsol-widget" data-kind="class-explorer">');
  });
});
