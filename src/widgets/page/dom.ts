/**
 * Drawing for the widgets: elements, canvases, labelled slider + number controls, and a stylesheet
 * scoped to the widget root. No computing here: images arrive ready-made from the compute modules.
 */
import type { RgbImage } from '../../types';

/** Makes an element with attributes, inline style and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** Scoped styles of every widget (class prefix `wsol-w`), added once per widget root. */
const STYLE = `
.wsol-w { font: 13px/1.4 system-ui, sans-serif; color: #222; }
.wsol-w h4 { margin: 4px 0 8px; font-size: 14px; }
.wsol-w .wsol-w-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.wsol-w figure { margin: 0; }
.wsol-w figcaption { font-size: 12px; color: #444; margin-bottom: 2px; }
.wsol-w canvas { image-rendering: pixelated; display: block; border: 1px solid #ccc; }
.wsol-w .wsol-w-controls { display: grid; grid-template-columns: repeat(2, max-content 150px 76px); gap: 4px 8px; align-items: center; }
.wsol-w .wsol-w-controls.wsol-w-single { grid-template-columns: max-content 150px 76px; }
.wsol-w .wsol-w-controls input[type=number] { width: 70px; }
.wsol-w .wsol-w-status { margin: 6px 0; min-height: 1.4em; }
.wsol-w .wsol-w-error { color: #b00020; }
.wsol-w code.wsol-w-code { display: block; white-space: pre-wrap; background: #f5f5f5; padding: 4px 6px; font-size: 12px; }
.wsol-w select { min-width: 220px; }
`;

/** The widget's root: class, styles, and an optional heading. */
export function prepareRoot(root: HTMLElement, title: string | undefined): void {
  root.textContent = '';
  root.classList.add('wsol-w');
  root.append(element('style', {}, [STYLE]));
  if (title !== undefined) root.append(element('h4', {}, [title]));
}

/** A captioned canvas showing `width × height` images at an integer zoom. */
export interface ImagePanel {
  readonly figure: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly caption: HTMLElement;
  draw(image: RgbImage): void;
}

/** Puts an RGB image on a canvas of its size (opaque). */
export function drawRgb(canvas: HTMLCanvasElement, image: RgbImage): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const pixels = context.createImageData(image.width, image.height);
  for (let p = 0, n = image.width * image.height; p < n; p++) {
    pixels.data[4 * p] = image.data[3 * p];
    pixels.data[4 * p + 1] = image.data[3 * p + 1];
    pixels.data[4 * p + 2] = image.data[3 * p + 2];
    pixels.data[4 * p + 3] = 255;
  }
  context.putImageData(pixels, 0, 0);
}

/** A canvas panel (see {@link ImagePanel}). */
export function imagePanel(caption: string, width: number, height: number, zoom: number): ImagePanel {
  const canvas = element('canvas', { width: String(width), height: String(height) });
  canvas.style.width = `${width * zoom}px`;
  canvas.style.height = `${height * zoom}px`;
  const label = element('figcaption', {}, [caption]);
  const figure = element('figure', {}, [label, canvas]);
  return { figure, canvas, caption: label, draw: (image) => drawRgb(canvas, image) };
}

/** A numeric parameter's control: a slider over a typical range and a free number field. */
export interface NumberControlSpec {
  readonly name: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  /** Smallest value the number field accepts (the slider stays within min…max). */
  readonly floor?: number;
  /** A logarithmic slider: min, max and step are powers of ten (the field shows the value itself). */
  readonly log?: boolean;
}

/** A mounted {@link NumberControlSpec}. */
export interface NumberControl {
  readonly slider: HTMLInputElement;
  readonly field: HTMLInputElement;
  value(): number;
  setEnabled(enabled: boolean): void;
}

/**
 * Adds a label, a slider and a number field to `grid`, kept in step; `onChange` runs on every
 * slider move and every edit of the field (the field may leave the slider's range).
 */
export function numberControl(grid: HTMLElement, spec: NumberControlSpec, initial: number, onChange: () => void): NumberControl {
  const id = `${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
  const attributes = { min: String(spec.min), max: String(spec.max), step: String(spec.step), value: String(initial) };
  const slider = element('input', { type: 'range', id, 'data-param': spec.name, ...attributes });
  const field = element('input', { type: 'number', 'data-param-field': spec.name, step: 'any', value: String(initial) });
  if (spec.floor !== undefined) field.min = String(spec.floor);
  const toSlider = (v: number) => Math.min(spec.max, Math.max(spec.min, spec.log ? Math.log10(v) : v));
  const fromSlider = (s: number) => (spec.log ? Number((10 ** s).toPrecision(3)) : s);
  slider.value = String(toSlider(initial));
  let current = initial;
  slider.addEventListener('input', () => {
    current = fromSlider(Number(slider.value));
    field.value = String(current);
    onChange();
  });
  field.addEventListener('input', () => {
    const v = Number(field.value);
    if (field.value === '' || !Number.isFinite(v)) return;
    current = v;
    slider.value = String(toSlider(v));
    onChange();
  });
  grid.append(element('label', { for: id }, [spec.label]), slider, field);
  return {
    slider,
    field,
    value: () => current,
    setEnabled: (enabled) => {
      slider.disabled = !enabled;
      field.disabled = !enabled;
    },
  };
}

/** A button that copies `text()` to the clipboard, or selects it in `fallback` where that is not allowed. */
export function copyButton(label: string, text: () => string, fallback: HTMLElement): HTMLButtonElement {
  const button = element('button', { type: 'button' }, [label]);
  button.addEventListener('click', () => {
    const select = () => {
      const range = document.createRange();
      range.selectNodeContents(fallback);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      button.textContent = 'selected: press Ctrl+C';
    };
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(text()).then(() => (button.textContent = 'copied'), select);
    } else select();
    setTimeout(() => (button.textContent = label), 2500);
  });
  return button;
}
