/**
 * MIME bundles for Jupyter outputs, built as plain data (no kernel needed, so they are testable).
 *
 * A Plotly figure goes out as one bundle with two representations:
 * - `application/vnd.plotly.v1+json`: rendered natively by JupyterLab and Notebook 7 through the
 *   `plotly` Python package's JupyterLab extension (installed into the project's venv);
 * - `text/html`: a `<div>` plus a script calling `Plotly.newPlot`, used where that renderer is
 *   absent: the classic notebook and nbconvert's HTML export. The first figure of a kernel session
 *   also carries plotly.js itself (plotly.js-dist-min, inline), so an exported notebook works offline
 *   with the library embedded exactly once.
 *
 * No figure gets Plotly's `config.responsive`: in JupyterLab it makes a figure collapse to height 0
 * at the first slider click (its output area's height is the figure's own, and responsive sizing
 * reads it back). JupyterLab's renderer resizes figures with the panel itself; the HTML
 * representation listens to window resizes and calls `Plotly.Plots.resize`, which keeps the
 * `<div>`'s fixed height and follows its width.
 */
import * as fs from 'fs';

/** The part of a Plotly figure this library writes: traces, layout and config as plain JSON. */
export interface PlotlyFigure {
  readonly data: readonly object[];
  readonly layout?: Readonly<Record<string, unknown>>;
  readonly config?: Readonly<Record<string, unknown>>;
}

/** A Jupyter MIME bundle: MIME type → representation. */
export type MimeBundle = Record<string, unknown>;

/** MIME type of Plotly's JupyterLab renderer. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

let plotlySource: string | undefined;

/** The minified plotly.js bundle, made safe to inline inside a `<script>` element. */
export function plotlyJsForInlining(): string {
  if (plotlySource === undefined) {
    const file = require.resolve('plotly.js-dist-min/plotly.min.js');
    plotlySource = fs.readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return plotlySource;
}

/** JSON that can sit inside a `<script>` element (no `</script>` or `<!--` can appear in it). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Options of {@link plotlyBundle}. */
export interface PlotlyBundleOptions {
  /** Inline plotly.js into the HTML representation. @default false */
  readonly includePlotlyJs?: boolean;
  /** Element id of the figure's `<div>`. @default a random id */
  readonly divId?: string;
}

/**
 * Makes the MIME bundle of a Plotly figure: the Plotly JSON for JupyterLab and an HTML fallback.
 */
export function plotlyBundle(figure: PlotlyFigure, options: PlotlyBundleOptions = {}): MimeBundle {
  if (!Array.isArray(figure.data)) throw new TypeError('plotly figure: `data` must be an array of traces');
  const layout = { ...(figure.layout ?? {}) };
  const config = { ...(figure.config ?? {}) };
  const id = options.divId ?? `wsol-plot-${Math.random().toString(36).slice(2, 12)}`;
  const height = typeof layout.height === 'number' ? layout.height : 450;
  const library = options.includePlotlyJs ? `<script type="text/javascript">${plotlyJsForInlining()}</script>\n` : '';
  const html =
    `${library}<div id="${id}" class="wsol-plot" style="width:100%;height:${height}px;"></div>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var el = document.getElementById(${JSON.stringify(id)});\n` +
    `  var fig = ${jsonForScript({ data: figure.data, layout, config })};\n` +
    `  if (window.Plotly) {\n` +
    `    window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);\n` +
    `    window.addEventListener('resize', function () { if (el.isConnected && el.offsetWidth > 0) window.Plotly.Plots.resize(el); });\n` +
    `  }\n` +
    `  else { el.textContent = 'plotly.js is not loaded here: run the notebook from its first cell.'; }\n` +
    `})();</script>`;
  return {
    [PLOTLY_MIME]: { data: figure.data, layout, config },
    'text/html': html,
    'text/plain': `<Plotly figure: ${figure.data.length} trace(s)>`,
  };
}

/** Makes the MIME bundle of a PNG image (base64, as Jupyter stores binary outputs). */
export function pngBundle(png: Uint8Array, alt = 'image'): MimeBundle {
  if (png.length < 8 || png[0] !== 0x89 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) {
    throw new TypeError('pngBundle: the bytes are not a PNG file (bad signature)');
  }
  return { 'image/png': Buffer.from(png).toString('base64'), 'text/plain': `<${alt}: PNG, ${png.length} bytes>` };
}
