import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MimeBundle,
  PLOTLY_MIME,
  encodePng,
  jsonForScript,
  plotlyBundle,
  pngBundle,
  readImage,
  setDisplaySink,
  showPlot,
  showPng,
} from '../src/index';

const figure = { data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { height: 300 } };

describe('plotlyBundle', () => {
  it('carries the figure as Plotly JSON for JupyterLab, without `responsive` (it collapses figures there)', () => {
    const bundle = plotlyBundle(figure);
    expect(bundle[PLOTLY_MIME]).toEqual({ data: figure.data, layout: { height: 300 }, config: {} });
    expect(plotlyBundle({ ...figure, config: { scrollZoom: true } })[PLOTLY_MIME]).toEqual({ data: figure.data, layout: { height: 300 }, config: { scrollZoom: true } });
  });

  it('has an HTML fallback that draws the same figure into a div of the layout height', () => {
    const html = plotlyBundle(figure, { divId: 'p1' })['text/html'] as string;
    expect(html).toContain('<div id="p1" class="wsol-plot" style="width:100%;height:300px;">');
    expect(html).toContain('Plotly.newPlot');
    const json = html.slice(html.indexOf('var fig = ') + 10, html.indexOf(';\n  if (window.Plotly)'));
    expect(JSON.parse(json)).toEqual({ data: figure.data, layout: { height: 300 }, config: {} });
    expect(html).toContain("window.addEventListener('resize'");
  });

  it('inlines plotly.js only when asked', () => {
    expect((plotlyBundle(figure)['text/html'] as string).length).toBeLessThan(2_000);
    const withLibrary = plotlyBundle(figure, { includePlotlyJs: true })['text/html'] as string;
    expect(withLibrary.length).toBeGreaterThan(1_000_000);
    expect(withLibrary).toContain('window.Plotly = Plotly');
  });

  it('cannot be broken out of its script element by data containing </script>', () => {
    const html = plotlyBundle({ data: [{ type: 'bar', name: '</script><b>x</b>' }] })['text/html'] as string;
    expect(html.match(/<\/script>/g)?.length).toBe(1);
    expect(JSON.parse(jsonForScript('</script>'))).toBe('</script>');
  });

  it('rejects a figure without a data array', () => {
    expect(() => plotlyBundle({ data: 'nope' } as never)).toThrow(/`data` must be an array/);
  });
});

describe('showPlot', () => {
  afterEach(() => setDisplaySink(undefined));

  it('embeds plotly.js in the first figure of a session only', () => {
    const shown: MimeBundle[] = [];
    setDisplaySink((b) => shown.push(b));
    (globalThis as Record<string, unknown>).__wsolLabPlotlyEmbedded = undefined;
    showPlot(figure);
    showPlot(figure);
    expect(shown).toHaveLength(2);
    expect((shown[0]['text/html'] as string).length).toBeGreaterThan(1_000_000);
    expect((shown[1]['text/html'] as string).length).toBeLessThan(2_000);
  });
});

describe('PNG helpers', () => {
  afterEach(() => setDisplaySink(undefined));

  it('encodes RGB pixels that decode back unchanged', async () => {
    const data = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const png = await encodePng({ width: 5, height: 3, data });
    const { data: decoded, info } = await sharp(Buffer.from(png)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([5, 3, 3]);
    expect(Array.from(decoded)).toEqual(Array.from(data));
  });

  it('names the expected length when the pixel data is wrong', async () => {
    await expect(encodePng({ width: 4, height: 4, data: new Uint8Array(10) })).rejects.toThrow(/must have 48 bytes, got 10/);
  });

  it('shows PNG bytes as base64 and refuses bytes that are not a PNG', async () => {
    const shown: MimeBundle[] = [];
    setDisplaySink((b) => shown.push(b));
    const png = await encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 64, 128, 255]) });
    showPng(png);
    expect(Buffer.from(shown[0]['image/png'] as string, 'base64').equals(Buffer.from(png))).toBe(true);
    expect(() => pngBundle(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a PNG/);
  });

  it('reads an image file back as RGB', async () => {
    const os = await import('os');
    const path = await import('path');
    const fs = await import('fs');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-')), 'x.png');
    const data = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i * 10);
    fs.writeFileSync(file, await encodePng({ width: 4, height: 2, data }));
    const image = await readImage(file);
    expect([image.width, image.height, image.channels]).toEqual([4, 2, 3]);
    expect(Array.from(image.data)).toEqual(Array.from(data));
  });
});
