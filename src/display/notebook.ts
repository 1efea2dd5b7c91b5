/**
 * Showing things in a notebook run by the tslab kernel.
 *
 * tslab's public `display` API sends one MIME type per call. A Plotly figure needs two (Plotly JSON
 * for JupyterLab, HTML for the classic notebook and nbconvert), so these helpers hand a full MIME
 * bundle to the kernel's display channel that `display` itself uses, and fall back to one
 * representation per call through the public API when that channel is not found.
 */
import { MimeBundle, PlotlyFigure, plotlyBundle, pngBundle } from './mime';
import { encodePng, RgbImage } from './png';

type WriteDisplayData = (message: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

interface TslabJupyter {
  lastWriteDisplayData: WriteDisplayData | null;
}

/** Where bundles go; replaceable for tests through {@link setDisplaySink}. */
export type DisplaySink = (bundle: MimeBundle) => void;

let customSink: DisplaySink | undefined;

/** Routes displayed bundles to `sink` (tests, other front ends); `undefined` restores tslab. */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  customSink = sink;
}

function tslabSink(): DisplaySink {
  let jupyter: TslabJupyter | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    jupyter = require('tslab/dist/jupyter') as TslabJupyter;
  } catch {
    jupyter = undefined;
  }
  const write = jupyter?.lastWriteDisplayData;
  if (write) return (bundle) => write({ data: bundle, metadata: {}, transient: {} }, false);
  // Not the tslab version we know: one representation per call through the public API.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { display } = require('tslab') as typeof import('tslab');
  return (bundle) => {
    const html = bundle['text/html'];
    if (typeof html === 'string') display.html(html);
    else if (typeof bundle['image/png'] === 'string') display.raw('image/png', bundle['image/png'] as string);
    else display.text(String(bundle['text/plain'] ?? ''));
  };
}

/** Sends a MIME bundle to the notebook. */
export function showBundle(bundle: MimeBundle): void {
  const sink = customSink ?? tslabSink();
  sink(bundle);
}

const EMBED_FLAG = '__wsolLabPlotlyEmbedded';

/**
 * Shows a Plotly figure: interactive in JupyterLab, and also in the classic notebook and in
 * nbconvert's HTML export (plotly.js inlined into the first figure of the kernel session).
 */
export function showPlot(figure: PlotlyFigure): void {
  const globals = globalThis as Record<string, unknown>;
  const includePlotlyJs = globals[EMBED_FLAG] !== true;
  showBundle(plotlyBundle(figure, { includePlotlyJs }));
  globals[EMBED_FLAG] = true;
}

/** Shows PNG bytes. */
export function showPng(png: Uint8Array, alt?: string): void {
  showBundle(pngBundle(png, alt));
}

/** Encodes an RGB(A) image as PNG (sharp) and shows it. */
export async function showImage(image: RgbImage, alt?: string): Promise<void> {
  showPng(await encodePng(image), alt);
}

/** Shows HTML. */
export function showHtml(html: string): void {
  showBundle({ 'text/html': html, 'text/plain': html.replace(/<[^>]*>/g, '') });
}

/** Shows Markdown. */
export function showMarkdown(markdown: string): void {
  showBundle({ 'text/markdown': markdown, 'text/plain': markdown });
}
