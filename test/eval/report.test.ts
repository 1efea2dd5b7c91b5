import { describe, expect, it } from 'vitest';
import { WsolEvaluator } from '../../src/metrics/evaluator';
import { formatJsonReport, formatMarkdownReport, formatTextTable, resultsTable } from '../../src/eval/report';
import { DatasetEvaluation } from '../../src/eval/runner';

function evaluation(withFaithfulness: boolean): DatasetEvaluation {
  const ev = new WsolEvaluator();
  const heatmap = { width: 2, height: 1, data: Float32Array.from([1, 0]) };
  ev.accumulate({
    heatmap,
    boxes: [{ x0: 0, y0: 0, x1: 0, y1: 0 }],
    mask: { width: 2, height: 1, data: Uint8Array.from([1, 0]) },
    classIndex: 0,
    ranking: [1, 0],
    ...(withFaithfulness ? { deletionAuc: 0.125, insertionAuc: 0.75, confidence: { original: 0.8, explanation: 0.6 } } : {}),
  });
  ev.accumulate({ heatmap, boxes: [{ x0: 1, y0: 0, x1: 1, y1: 0 }], classIndex: 0, ranking: [0, 1] });
  const result = ev.compute();
  return {
    dataset: { root: '/data', name: 'CUB', split: 'test', images: 2, hasBoxes: true, hasMasks: true },
    model: 'm',
    frame: 'image',
    classification: { top1: 0.5, top5: 1 },
    rows: [
      { method: 'cam', refined: false, result, methodSeconds: 0.01, best: [], worst: [] },
      { method: 'cam+crf', refined: true, result, methodSeconds: 0.5, best: [], worst: [] },
    ],
    skipped: [],
    resumedAt: 0,
    timings: { total: 1, cpu: 1.5, decode: 0.1, classify: 0.2, methods: 0.3, refine: 0.2, metrics: 0.1, faithfulness: 0 },
    imagesPerSecond: 2,
  };
}

describe('reports', () => {
  it('tabulate percentages with one decimal, — for missing data, and ms per image', () => {
    const { headers, rows } = resultsTable(evaluation(false));
    expect(headers).toEqual(['method', 'GT-known', 'top-1 loc', 'top-5 loc', 'MaxBoxAcc', 'MaxBoxAccV2', 'PxAP', 'mIoU@best', 'ms/img']);
    // image 1 is localized (top-1 miss: ranking [1, 0]), image 2 is not → 50 %, top-1 0 %, top-5 50 %
    expect(rows[0]).toEqual(['cam', '50.0', '0.0', '50.0', '50.0', '50.0', '100.0', '100.0', '5.00']);
    expect(rows[1][0]).toBe('cam+crf');
    expect(rows[1][8]).toBe('250.00');
  });

  it('add the AUC columns only when faithfulness was measured', () => {
    const { headers, rows } = resultsTable(evaluation(true));
    expect(headers).toContain('del AUC↓');
    expect(rows[0][headers.indexOf('del AUC↓')]).toBe('0.125');
    expect(rows[0][headers.indexOf('ins AUC↑')]).toBe('0.750');
    expect(rows[0][headers.indexOf('drop↓')]).toBe('25.0'); // (0.8 − 0.6) / 0.8
    expect(rows[0][headers.indexOf('incr↑')]).toBe('0.0');
  });

  it('align the text table and write Markdown and JSON', () => {
    const text = formatTextTable(evaluation(false)).split('\n');
    expect(text).toHaveLength(4);
    expect(new Set(text.map((l) => l.length)).size).toBe(1);
    const md = formatMarkdownReport(evaluation(false));
    expect(md).toContain('| method | GT-known |');
    expect(md).toContain('| cam | 50.0 | 0.0 | 50.0 |');
    expect(md).toMatch(/MaxBoxAcc at τ = 0\.00/);
    const json = JSON.parse(formatJsonReport(evaluation(false)));
    expect(json.rows[0].result.maxBoxAccV2.perIoU).toHaveLength(3);
    expect(json.rows[0].result.curves.thresholds).toHaveLength(100);
  });
});
