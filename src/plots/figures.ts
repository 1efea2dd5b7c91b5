/**
 * Plotly figures for localization results: plain JSON, built here and shown with `showPlot`.
 * Nothing in this file computes a localization; it only lays results out.
 */
import type { Heatmap } from '../types';
import type { PlotlyFigure } from '../display/mime';
import { encodePng, RgbImage } from '../display/png';

/** Rows of a heatmap as nested arrays, top row first (Plotly's `z`). */
export function heatmapRows(heatmap: Heatmap): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < heatmap.height; y++) {
    rows.push(Array.from(heatmap.data.subarray(y * heatmap.width, (y + 1) * heatmap.width), (v) => Math.round(v * 1e4) / 1e4));
  }
  return rows;
}

const imageAxes = (anchor = '') => ({
  [`xaxis${anchor}`]: { visible: false, constrain: 'domain' },
  [`yaxis${anchor}`]: { visible: false, autorange: 'reversed', scaleanchor: `x${anchor}` },
});

/** Options of {@link heatmapFigure}. */
export interface HeatmapFigureOptions {
  readonly title?: string;
  /** @default 'Jet' */
  readonly colorscale?: string;
  /** @default 420 */
  readonly height?: number;
  /** Name of the value in hover labels. @default 'value' */
  readonly valueName?: string;
}

/** A heatmap with hover values (x, y in pixels; y grows downwards as in the image). */
export function heatmapFigure(heatmap: Heatmap, options: HeatmapFigureOptions = {}): PlotlyFigure {
  const valueName = options.valueName ?? 'value';
  return {
    data: [
      {
        type: 'heatmap',
        z: heatmapRows(heatmap),
        colorscale: options.colorscale ?? 'Jet',
        zmin: 0,
        zmax: 1,
        hovertemplate: `x %{x}, y %{y}<br>${valueName} %{z:.3f}<extra></extra>`,
      },
    ],
    layout: {
      title: { text: options.title ?? '' },
      height: options.height ?? 420,
      width: Math.round(((options.height ?? 420) - 60) * (heatmap.width / heatmap.height)) + 120,
      margin: { l: 20, r: 20, t: 50, b: 20 },
      ...imageAxes(),
    },
  };
}

/** One panel of {@link imageGridFigure}. */
export interface ImagePanel {
  readonly title: string;
  readonly image: RgbImage;
}

/** An image as a `data:image/png;base64,…` URI, for Plotly image traces and layout images. */
export async function pngDataUri(image: RgbImage): Promise<string> {
  return `data:image/png;base64,${Buffer.from(await encodePng(image)).toString('base64')}`;
}

/** Options of {@link imageGridFigure}. */
export interface ImageGridOptions {
  /** @default min(panels, 4) */
  readonly columns?: number;
  /** Height of one row in pixels. @default 260 */
  readonly rowHeight?: number;
  readonly title?: string;
}

/** Images side by side with titles, zoomable, as a Plotly figure (PNG data URIs, compact). */
export async function imageGridFigure(panels: readonly ImagePanel[], options: ImageGridOptions = {}): Promise<PlotlyFigure> {
  if (panels.length === 0) throw new RangeError('imageGridFigure: no panels given');
  const columns = Math.max(1, Math.min(options.columns ?? Math.min(panels.length, 4), panels.length));
  const rows = Math.ceil(panels.length / columns);
  const rowHeight = options.rowHeight ?? 260;
  const gap = 0.04;
  const data: object[] = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? '' },
    height: rows * rowHeight + (options.title ? 60 : 30),
    margin: { l: 10, r: 10, t: options.title ? 60 : 30, b: 10 },
    annotations: [] as object[],
    showlegend: false,
  };
  for (let i = 0; i < panels.length; i++) {
    const { title, image } = panels[i];
    const suffix = i === 0 ? '' : String(i + 1);
    const col = i % columns;
    const row = Math.floor(i / columns);
    // Every column equally wide: (1 − (columns − 1)·gap) / columns, gaps only between columns.
    const width = (1 - (columns - 1) * gap) / columns;
    const x0 = col * (width + gap);
    const x1 = x0 + width;
    const y1 = 1 - row / rows - 0.08 / rows;
    const y0 = 1 - (row + 1) / rows + (row < rows - 1 ? gap : 0);
    data.push({
      type: 'image',
      source: await pngDataUri(image),
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      hovertemplate: `${title}<br>x %{x}, y %{y}<extra></extra>`,
    });
    layout[`xaxis${suffix}`] = { domain: [x0, x1], visible: false, anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { domain: [y0, y1], visible: false, anchor: `x${suffix}`, scaleanchor: `x${suffix}` };
    (layout.annotations as object[]).push({
      text: title, x: (x0 + x1) / 2, y: y1 + 0.02 / rows, xref: 'paper', yref: 'paper',
      xanchor: 'center', yanchor: 'bottom', showarrow: false, font: { size: 12 },
    });
  }
  return { data, layout };
}

/** Options of {@link barFigure}. */
export interface BarFigureOptions {
  readonly title?: string;
  readonly yTitle?: string;
  /** Horizontal bars (labels on the y axis). @default false */
  readonly horizontal?: boolean;
  /** @default 360 */
  readonly height?: number;
  /**
   * Value axis on a log scale, so that small values stay readable beside one near 1 (e.g. softmax
   * probabilities where the top class takes 99.9 %). Values must be > 0. @default false
   */
  readonly logScale?: boolean;
  /** d3 format of a label printed beside each bar, e.g. `'.1%'`; none when undefined. */
  readonly textFormat?: string;
}

/** Bars, one series or several grouped series keyed by name. */
export function barFigure(
  labels: readonly string[],
  series: Readonly<Record<string, readonly number[]>>,
  options: BarFigureOptions = {},
): PlotlyFigure {
  for (const [name, values] of Object.entries(series)) {
    if (values.length !== labels.length) {
      throw new RangeError(`barFigure: series '${name}' has ${values.length} values for ${labels.length} labels`);
    }
  }
  const horizontal = options.horizontal ?? false;
  const logScale = options.logScale ?? false;
  if (logScale) {
    for (const [name, values] of Object.entries(series)) {
      const bad = values.find((v) => !(v > 0));
      if (bad !== undefined) throw new RangeError(`barFigure: series '${name}' has ${bad}, and a log scale needs values > 0`);
    }
  }
  const value = horizontal ? 'x' : 'y';
  const format = options.textFormat ?? '.4f';
  return {
    data: Object.entries(series).map(([name, values]) => ({
      type: 'bar',
      name,
      orientation: horizontal ? 'h' : 'v',
      x: horizontal ? values : labels,
      y: horizontal ? labels : values,
      hovertemplate: `%{${horizontal ? 'y' : 'x'}}: %{${value}:${format}}<extra>${name}</extra>`,
      ...(options.textFormat ? { texttemplate: `%{${value}:${options.textFormat}}`, textposition: 'outside', cliponaxis: false } : {}),
    })),
    layout: {
      title: { text: options.title ?? '' },
      barmode: 'group',
      height: options.height ?? 360,
      margin: { l: horizontal ? 140 : 60, r: options.textFormat && horizontal ? 60 : 20, t: 50, b: 60 },
      [`${value}axis`]: { title: { text: options.yTitle ?? '' }, ...(logScale ? { type: 'log' } : {}) },
      ...(horizontal ? { yaxis: { autorange: 'reversed' } } : {}),
    },
  };
}

/** Lines over a shared x axis, one per named series. */
export function lineFigure(
  x: readonly number[],
  series: Readonly<Record<string, readonly number[]>>,
  options: { readonly title?: string; readonly xTitle?: string; readonly yTitle?: string; readonly logY?: boolean } = {},
): PlotlyFigure {
  return {
    data: Object.entries(series).map(([name, y]) => ({ type: 'scatter', mode: 'lines+markers', name, x, y })),
    layout: {
      title: { text: options.title ?? '' },
      height: 340,
      xaxis: { title: { text: options.xTitle ?? '' } },
      yaxis: { title: { text: options.yTitle ?? '' }, type: options.logY ? 'log' : 'linear' },
      margin: { l: 60, r: 20, t: 50, b: 50 },
    },
  };
}

/**
 * A mask (values ≥ 0.5 inside) as rows for {@link MASK_OVERLAY_COLORS}: 0 outside, 0.5 inside,
 * 1 on its edge (inside pixels with a 4-neighbour outside or on the border).
 */
export function maskEdgeRows(mask: Heatmap): number[][] {
  const { width, height, data } = mask;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && data[y * width + x] >= 0.5;
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => {
      if (!inside(x, y)) return 0;
      return inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1) ? 0.5 : 1;
    }),
  );
}

/** Transparent outside, a red tint inside, a yellow edge: visible on red objects too. */
const MASK_OVERLAY_COLORS = [
  [0, 'rgba(0,0,0,0)'], [0.25, 'rgba(0,0,0,0)'],
  [0.25, 'rgba(230,30,30,0.45)'], [0.75, 'rgba(230,30,30,0.45)'],
  [0.75, 'rgba(255,235,0,1)'], [1, 'rgba(255,235,0,1)'],
];

/** One parameter swept by {@link sweepFigure}: its values and the map obtained at each. */
export interface ParameterSweep {
  readonly name: string;
  readonly values: readonly number[];
  readonly maps: readonly Heatmap[];
  /** A number shown beside each value in the slider label (e.g. IoU). */
  readonly scores?: readonly number[];
  /** Index of the value that starts selected. @default 0 */
  readonly active?: number;
}

/** Options of {@link sweepFigure}. */
export interface SweepFigureOptions {
  readonly title?: string;
  /** @default 440 */
  readonly height?: number;
  /**
   * An image (`pngDataUri`) drawn under every panel; the maps are then masks (≥ 0.5 inside), drawn
   * as a translucent red layer with a yellow edge ({@link maskEdgeRows}) instead of grey levels.
   */
  readonly background?: string;
}

/**
 * One panel per parameter, each with its own slider: moving a slider redraws that panel's map for
 * that value of the parameter, the other parameters held at their defaults. Every map is
 * precomputed, so the figure is interactive with no kernel behind it.
 */
export function sweepFigure(sweeps: readonly ParameterSweep[], options: SweepFigureOptions = {}): PlotlyFigure {
  if (sweeps.length === 0) throw new RangeError('sweepFigure: no parameters given');
  const n = sweeps.length;
  const data: object[] = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? '' },
    height: options.height ?? 440,
    margin: { l: 10, r: 10, t: 70, b: 10 },
    sliders: [] as object[],
    annotations: [] as object[],
    images: [] as object[],
  };
  const overlay = options.background !== undefined;
  const rows = overlay ? maskEdgeRows : heatmapRows;
  sweeps.forEach((sweep, i) => {
    if (sweep.maps.length !== sweep.values.length) {
      throw new RangeError(`sweep '${sweep.name}': ${sweep.maps.length} maps for ${sweep.values.length} values`);
    }
    const active = sweep.active ?? 0;
    const suffix = i === 0 ? '' : String(i + 1);
    const x0 = i / n + 0.02;
    const x1 = (i + 1) / n - 0.02;
    data.push({
      type: 'heatmap',
      z: rows(sweep.maps[active]),
      zmin: 0,
      zmax: 1,
      colorscale: overlay ? MASK_OVERLAY_COLORS : 'Greys',
      reversescale: !overlay,
      showscale: false,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      hovertemplate: overlay ? `x %{x}, y %{y}<extra>${sweep.name}</extra>` : `x %{x}, y %{y}: %{z:.2f}<extra>${sweep.name}</extra>`,
    });
    layout[`xaxis${suffix}`] = { domain: [x0, x1], visible: false, anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { domain: [0.3, 1], visible: false, autorange: 'reversed', anchor: `x${suffix}`, scaleanchor: `x${suffix}` };
    if (overlay) {
      const { width, height } = sweep.maps[active];
      (layout.images as object[]).push({
        source: options.background, xref: `x${suffix}`, yref: `y${suffix}`, x: -0.5, y: -0.5,
        sizex: width, sizey: height, sizing: 'stretch', layer: 'below', xanchor: 'left', yanchor: 'top',
      });
    }
    const label = (k: number) => `${sweep.values[k]}${sweep.scores ? ` (${sweep.scores[k].toFixed(2)})` : ''}`;
    (layout.sliders as object[]).push({
      active,
      x: x0,
      len: x1 - x0,
      y: 0.22,
      currentvalue: { prefix: `${sweep.name} = `, font: { size: 12 } },
      pad: { t: 0 },
      steps: sweep.values.map((_, k) => ({
        label: label(k),
        method: 'restyle',
        args: [{ z: [rows(sweep.maps[k])] }, [i]],
      })),
    });
  });
  return { data, layout };
}
