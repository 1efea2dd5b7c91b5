/**
 * Widgets in notebook outputs: one `text/html` output holding the widget's element, its payload
 * (JSON) and a script that mounts it with the page bundle (page-bundle.ts). The first widget of a
 * kernel session (and the first after the bundle changed) carries the bundle inline, as the first
 * Plotly figure carries plotly.js, so outputs need no network in JupyterLab, the classic notebook
 * and nbconvert's HTML export; outputs that render before the bundle wait for it.
 */
import { jsonForScript, MimeBundle } from '../display/mime';
import { showBundle } from '../display/notebook';
import { ClassExplorerOptions, CrfTunerOptions, ExplorerClass, Heatmap, RgbImage, WidgetPayload } from '../types';
import { PageBundle, pageBundle } from './page-bundle';
import { PAGE_API_GLOBAL, PAGE_PENDING_GLOBAL } from './page/boot';
import { classExplorerPayload, crfTunerPayload } from './payload';

/** Options of {@link widgetBundle}. */
export interface WidgetBundleOptions {
  /** Inline the page bundle. @default false */
  readonly includePageBundle?: boolean;
  /** Element id of the widget. @default a random id */
  readonly id?: string;
}

/** A one-line description of the widget for plain-text front ends. */
function plainText(payload: WidgetPayload): string {
  return payload.kind === 'crf-tuner'
    ? `<CRF tuner ${payload.width}×${payload.height}: open in JupyterLab, the classic notebook or the HTML export>`
    : `<class explorer, ${payload.classes.length} classes: open in JupyterLab, the classic notebook or the HTML export>`;
}

/** The MIME bundle of a widget (see the module comment). */
export function widgetBundle(payload: WidgetPayload, bundle: PageBundle, options: WidgetBundleOptions = {}): MimeBundle {
  const id = options.id ?? `wsol-widget-${Math.random().toString(36).slice(2, 12)}`;
  const library = options.includePageBundle ? `<script type="text/javascript">${bundle.code}</script>\n` : '';
  const html =
    `${library}<div id="${id}" class="wsol-widget" data-kind="${payload.kind}"></div>\n` +
    `<script type="application/json" id="${id}-data">${jsonForScript(payload)}</script>\n` +
    `<script type="text/javascript">(function () {\n` +
    `  var el = document.getElementById(${JSON.stringify(id)});\n` +
    `  var data = JSON.parse(document.getElementById(${JSON.stringify(`${id}-data`)}).textContent);\n` +
    `  if (window.${PAGE_API_GLOBAL}) { window.${PAGE_API_GLOBAL}.mount(el, data); return; }\n` +
    `  (window.${PAGE_PENDING_GLOBAL} = window.${PAGE_PENDING_GLOBAL} || []).push([el, data]);\n` +
    `  el.textContent = 'Waiting for the wsol-lab page code, which comes with the first widget of the kernel session: run the notebook from its first cell.';\n` +
    `})();</script>`;
  return { 'text/html': html, 'text/plain': plainText(payload) };
}

/** Kernel-global flag: the hash of the page bundle already sent in this session. */
const SENT_FLAG = '__wsolLabPageBundleSent';

async function showWidget(payload: WidgetPayload): Promise<void> {
  const bundle = await pageBundle();
  const globals = globalThis as Record<string, unknown>;
  showBundle(widgetBundle(payload, bundle, { includePageBundle: globals[SENT_FLAG] !== bundle.hash }));
  globals[SENT_FLAG] = bundle.hash;
}

/**
 * Shows a CRF tuner: the image with the CAM, the dense CRF mask of `refineCamWithCrf` and (given
 * `options.truth`) the true mask, with a control for every parameter of `CamCrfOptions`. Each
 * change recomputes the mask in the page, in a Web Worker, with the library's own CRF (the
 * Krähenbühl & Koltun mean field on the permutohedral lattice), and shows the time it took, the
 * IoU `|M ∩ T| / |M ∪ T|` with the truth, and the options as code to paste back into a cell.
 *
 * @example
 * ```ts
 * await showCrfTuner(example.image, map, { truth: example.truth.mask, initial: CRF });
 * ```
 * @throws RangeError when the image is not RGB, the heatmap is not image-sized or leaves [0, 1],
 *   the truth is not an image-sized 0/1 mask, or an option is out of range.
 */
export async function showCrfTuner(image: RgbImage, heatmap: Heatmap, options: CrfTunerOptions = {}): Promise<void> {
  await showWidget(crfTunerPayload(image, heatmap, options));
}

/**
 * Shows a class explorer: the classes with their scores; for the selected one its map over the
 * image, the CAM paper's box (largest component above `threshold` × the maximum; Zhou et al.
 * 2016) and, given `options.truthBox`, the true box and the IoU of the two. Class and threshold
 * change in the page, with no kernel round trip: all maps are sent once (see `classMaps`).
 *
 * @example
 * ```ts
 * await showClassExplorer(example.image, await classMaps(model, input, cam, top, manifest.classes), { truthBox: example.truth.box });
 * ```
 * @throws RangeError when there is no class, a map is not image-sized, the true box leaves the
 *   image, or an option is out of range.
 */
export async function showClassExplorer(image: RgbImage, classes: readonly ExplorerClass[], options: ClassExplorerOptions = {}): Promise<void> {
  await showWidget(classExplorerPayload(image, classes, options));
}
