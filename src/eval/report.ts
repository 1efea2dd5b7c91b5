/**
 * Tables of a {@link DatasetEvaluation}: aligned text for the terminal, Markdown for files, and
 * JSON with every figure and curve. Accuracies print as percentages with one decimal (as the
 * papers do); a figure without data prints as "—".
 */
import { EvaluationResult } from '../metrics/evaluator';
import { DatasetEvaluation, MethodRow } from './runner';

/** One column of the results table. */
interface Column {
  readonly header: string;
  readonly value: (row: MethodRow) => string;
}

function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : (100 * v).toFixed(1);
}

function fixed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '—' : v.toFixed(digits);
}

const r = (row: MethodRow): EvaluationResult => row.result;

const COLUMNS: readonly Column[] = [
  { header: 'method', value: (row) => row.method },
  { header: 'GT-known', value: (row) => percent(r(row).gtKnownLoc) },
  { header: 'top-1 loc', value: (row) => percent(r(row).top1Loc) },
  { header: 'top-5 loc', value: (row) => percent(r(row).top5Loc) },
  { header: 'MaxBoxAcc', value: (row) => percent(r(row).maxBoxAcc?.accuracy) },
  { header: 'MaxBoxAccV2', value: (row) => percent(r(row).maxBoxAccV2?.mean) },
  { header: 'PxAP', value: (row) => percent(r(row).pxap) },
  { header: 'mIoU@best', value: (row) => percent(r(row).maskIoU?.best) },
  { header: 'del AUC↓', value: (row) => fixed(r(row).deletionAuc) },
  { header: 'ins AUC↑', value: (row) => fixed(r(row).insertionAuc) },
  { header: 'drop↓', value: (row) => percent(r(row).averageDrop) },
  { header: 'incr↑', value: (row) => percent(r(row).increaseInConfidence) },
  { header: 'ms/img', value: (row) => (row.result.images > 0 ? ((1000 * row.methodSeconds) / row.result.images).toFixed(2) : '—') },
];

const FAITHFULNESS_HEADERS = ['del AUC↓', 'ins AUC↑', 'drop↓', 'incr↑'];

/** The results table as header + rows of strings, one row per method (refined rows after their method). */
export function resultsTable(evaluation: DatasetEvaluation): { headers: string[]; rows: string[][] } {
  const hasFaithfulness = evaluation.rows.some((row) => row.result.deletionAuc !== null);
  const columns = COLUMNS.filter((c) => hasFaithfulness || !FAITHFULNESS_HEADERS.includes(c.header));
  return { headers: columns.map((c) => c.header), rows: evaluation.rows.map((row) => columns.map((c) => c.value(row))) };
}

/** The table aligned in columns for a terminal. */
export function formatTextTable(evaluation: DatasetEvaluation): string {
  const { headers, rows } = resultsTable(evaluation);
  const widths = headers.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function summaryLines(e: DatasetEvaluation): string[] {
  const t = e.timings;
  const name = e.dataset.name === '' ? e.dataset.split : `${e.dataset.name}/${e.dataset.split}`;
  const skipped = e.skipped.length === 0 ? '' : `; ${e.skipped.length} skipped (${e.skipped.slice(0, 3).map((s) => s.imageId).join(', ')}${e.skipped.length > 3 ? ', …' : ''})`;
  const resumed = e.resumedAt > 0 ? `; resumed after image ${e.resumedAt}` : '';
  return [
    `${e.dataset.images} images of ${name} (${e.dataset.root})${skipped}${resumed}; boxes: ${e.dataset.hasBoxes ? 'yes' : 'no'}; masks: ${e.dataset.hasMasks ? 'yes' : 'no'}`,
    `model '${e.model}': top-1 ${percent(e.classification.top1)} %, top-5 ${percent(e.classification.top5)} %; maps scored ${e.frame === 'input' ? "at the model's input size (wsolevaluation's frame)" : "at each image's size"}`,
    `time ${t.total.toFixed(1)} s (${e.imagesPerSecond.toFixed(1)} images/s, CPU ${t.cpu.toFixed(1)} s): decode ${t.decode.toFixed(1)}, classify ${t.classify.toFixed(1)}, ` +
      `methods ${t.methods.toFixed(1)}, refine ${t.refine.toFixed(1)}, metrics ${t.metrics.toFixed(1)}, faithfulness ${t.faithfulness.toFixed(1)} s`,
  ];
}

/** The summary and table as plain text, for the terminal. */
export function formatTextReport(evaluation: DatasetEvaluation): string {
  return [...summaryLines(evaluation), '', formatTextTable(evaluation)].join('\n');
}

/** A Markdown report: summary, table, best thresholds and the protocol in a few lines. */
export function formatMarkdownReport(evaluation: DatasetEvaluation): string {
  const { headers, rows } = resultsTable(evaluation);
  const cells = (c: string[]): string => `| ${c.join(' | ')} |`;
  const thresholds = evaluation.rows.map((row) => {
    const v2 = row.result.maxBoxAccV2?.perIoU.map((p) => `IoU ${p.iou}: ${percent(p.accuracy)} % at τ = ${p.threshold.toFixed(2)}`).join('; ');
    return `- ${row.method}: MaxBoxAcc at τ = ${fixed(row.result.maxBoxAcc?.threshold, 2)}; MaxBoxAccV2 ${v2 ?? '—'}`;
  });
  return [
    `# WSOL evaluation: ${evaluation.model} on ${evaluation.dataset.name === '' ? '' : `${evaluation.dataset.name}/`}${evaluation.dataset.split}`,
    '',
    ...summaryLines(evaluation).map((l) => `- ${l}`),
    '',
    cells(headers),
    cells(headers.map((_, k) => (k === 0 ? '---' : '---:'))),
    ...rows.map(cells),
    '',
    '## Best thresholds',
    '',
    ...thresholds,
    '',
    '## Protocol',
    '',
    `- Maps of the true class, in [0, 1], ${evaluation.frame === 'input' ? "at the model's input size, boxes rescaled by truncation and masks by nearest neighbour (wsolevaluation)" : 'at the image size'}. Boxes: inclusive corners; IoU with widths x1 − x0 + 1.`,
    '- GT-known / top-k loc: box around the largest 8-connected component of {v > 0.2·max}, IoU ≥ 0.5 (CAM, Zhou et al. 2016).',
    '- MaxBoxAcc (IoU 0.5, largest component) and MaxBoxAccV2 (mean over IoU 0.3/0.5/0.7, best of all components): best over',
    '  thresholds τ = 0, 0.01, …, 0.99 (wsolevaluation, Choe et al. 2020). PxAP: area under the pixel precision–recall curve',
    '  accumulated over the set. mIoU@best: mean per-image mask IoU at the best threshold. Accuracies in %.',
    '- Faithfulness (first images only, when measured): deletion / insertion AUC (RISE, Petsiuk et al. 2018; 0 = black',
    '  deletion, blurred insertion start) and average drop / increase in confidence on image ⊙ map (Grad-CAM++, 2018).',
    '',
  ].join('\n');
}

/** Every figure, curve and case as indented JSON. */
export function formatJsonReport(evaluation: DatasetEvaluation): string {
  return JSON.stringify(evaluation, null, 2);
}
