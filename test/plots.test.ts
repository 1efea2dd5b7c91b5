import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { barFigure, heatmapFigure, heatmapRows, imageGridFigure, lineFigure, makeHeatmap, maskEdgeRows, sweepFigure } from '../src/index';

const map = makeHeatmap(3, 2, Float32Array.from([0, 0.5, 1, 0.25, 0.125, 0.75]));

describe('plotly figures', () => {
  it('lays a heatmap out row by row, top row first, with hover values', () => {
    expect(heatmapRows(map)).toEqual([[0, 0.5, 1], [0.25, 0.125, 0.75]]);
    const fig = heatmapFigure(map, { title: 'CAM', valueName: 'activation' });
    const trace = fig.data[0] as { z: number[][]; hovertemplate: string };
    expect(trace.z).toEqual(heatmapRows(map));
    expect(trace.hovertemplate).toContain('activation');
    expect((fig.layout!.yaxis as { autorange: string }).autorange).toBe('reversed');
  });

  it('groups bar series and refuses a series of the wrong length', () => {
    const fig = barFigure(['cam', 'gradCam'], { top1: [0.9, 0.8], box: [0.5, 0.6] });
    expect(fig.data).toHaveLength(2);
    expect((fig.data[1] as { y: number[] }).y).toEqual([0.5, 0.6]);
    expect(() => barFigure(['a'], { s: [1, 2] })).toThrow(/series 's' has 2 values for 1 labels/);
    expect((lineFigure([1, 2], { kl: [3, 4] }).data[0] as { y: number[] }).y).toEqual([3, 4]);
  });

  it('gives each swept parameter a slider whose steps redraw its own panel with the precomputed maps', () => {
    const other = makeHeatmap(3, 2, new Float32Array(6).fill(1));
    const fig = sweepFigure([
      { name: 'sxy', values: [40, 80], maps: [map, other], scores: [0.5, 0.75], active: 1 },
      { name: 'srgb', values: [5], maps: [map] },
    ]);
    const sliders = fig.layout!.sliders as { active: number; steps: { label: string; args: [{ z: number[][][] }, number[]] }[] }[];
    expect(sliders).toHaveLength(2);
    expect(sliders[0].active).toBe(1);
    expect(sliders[0].steps[0].label).toBe('40 (0.50)');
    expect(sliders[0].steps[1].args).toEqual([{ z: [heatmapRows(other)] }, [0]]);
    expect(sliders[1].steps[0].args[1]).toEqual([1]);
    expect((fig.data[0] as { z: number[][] }).z).toEqual(heatmapRows(other));
    expect(() => sweepFigure([{ name: 'w', values: [1, 2], maps: [map] }])).toThrow(/1 maps for 2 values/);
  });

  it('embeds each image of a grid as a PNG that decodes to the same pixels', async () => {
    const image = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 40, 50, 60]) };
    const fig = await imageGridFigure([{ title: 'a', image }, { title: 'b', image }], { columns: 2 });
    expect(fig.data).toHaveLength(2);
    const source = (fig.data[1] as { source: string }).source;
    const png = Buffer.from(source.replace('data:image/png;base64,', ''), 'base64');
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect((fig.layout!.annotations as { text: string }[]).map((a) => a.text)).toEqual(['a', 'b']);
  });
});

describe('sweepFigure over an image', () => {
  it('draws the image under each panel and the maps as a translucent red layer', async () => {
    const { pngDataUri } = await import('../src/index');
    const uri = await pngDataUri({ width: 3, height: 2, data: new Uint8Array(18).fill(9) });
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    const fig = sweepFigure([{ name: 'sxy', values: [1], maps: [map] }, { name: 'srgb', values: [2], maps: [map] }], { background: uri });
    const images = fig.layout!.images as { source: string; xref: string; sizex: number; sizey: number }[];
    expect(images.map((i) => i.xref)).toEqual(['x', 'x2']);
    expect([images[0].sizex, images[0].sizey, images[0].source]).toEqual([3, 2, uri]);
    const scale = (fig.data[0] as { colorscale: [number, string][] }).colorscale;
    expect(scale[0]).toEqual([0, 'rgba(0,0,0,0)']);
    expect(scale).toContainEqual([0.25, 'rgba(230,30,30,0.45)']);
    expect(scale[scale.length - 1]).toEqual([1, 'rgba(255,235,0,1)']);
  });

  it('draws each mask as inside (0.5) and edge (1) so it shows on red objects too', () => {
    // A 3×3 block in a 5×4 mask: its centre is inside, its other 8 pixels are edge.
    const mask = makeHeatmap(5, 4, Float32Array.from([
      0, 0, 0, 0, 0,
      1, 1, 1, 0, 0,
      1, 1, 1, 0, 0,
      1, 1, 1, 0, 0,
    ]));
    expect(maskEdgeRows(mask)).toEqual([
      [0, 0, 0, 0, 0],
      [1, 1, 1, 0, 0],
      [1, 0.5, 1, 0, 0],
      [1, 1, 1, 0, 0],
    ]);
    const fig = sweepFigure([{ name: 'w', values: [1, 2], maps: [mask, map] }], { background: 'data:image/png;base64,' });
    const steps = (fig.layout!.sliders as { steps: { args: [{ z: number[][][] }] }[] }[])[0].steps;
    expect(steps[0].args[0].z[0]).toEqual(maskEdgeRows(mask));
  });
});

describe('barFigure scales and labels', () => {
  it('puts the value axis on a log scale and labels each bar when asked', () => {
    const fig = barFigure(['teapot', 'cat'], { p: [0.999, 1e-5] }, { horizontal: true, logScale: true, textFormat: '.2%' });
    expect((fig.layout!.xaxis as { type: string }).type).toBe('log');
    expect(fig.data[0]).toMatchObject({ texttemplate: '%{x:.2%}', textposition: 'outside' });
    expect(() => barFigure(['a'], { p: [0] }, { logScale: true })).toThrow(/series 'p' has 0, and a log scale needs values > 0/);
  });
});

describe('imageGridFigure columns', () => {
  it('makes every column equally wide, with equal gaps', async () => {
    const image = { width: 2, height: 2, data: new Uint8Array(12) };
    const fig = await imageGridFigure(Array.from({ length: 4 }, (_, i) => ({ title: `${i}`, image })), { columns: 4 });
    const domains = ['xaxis', 'xaxis2', 'xaxis3', 'xaxis4'].map((k) => (fig.layout![k] as { domain: [number, number] }).domain);
    const widths = domains.map(([a, b]) => b - a);
    for (const w of widths) expect(w).toBeCloseTo(widths[0], 12);
    for (let i = 1; i < 4; i++) expect(domains[i][0] - domains[i - 1][1]).toBeCloseTo(0.04, 12);
    expect(domains[0][0]).toBe(0);
    expect(domains[3][1]).toBeCloseTo(1, 12);
  });
});
