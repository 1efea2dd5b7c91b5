/**
 * The wsol-lab kernel as a notebook sees it (nbclient, headless): a relative file name is taken
 * from the notebook's folder, a missing one names the folder searched, errors come without tslab's
 * frames, and a disposed tensor is named as such.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../src/index';
import { harnessProblem, runNotebook } from './helpers/notebooks';

const problem = harnessProblem();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `k${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: 'wsol-lab', display_name: 'TypeScript (wsol-lab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe.skipIf(problem !== undefined && !inCi)('the wsol-lab kernel', () => {
  let folder: string;
  beforeAll(async () => {
    if (problem) throw new Error(problem);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-kernel-'));
    fs.writeFileSync(path.join(folder, 'beside.png'), await encodePng({ width: 4, height: 4, data: new Uint8Array(48).fill(200) }));
  });
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  function run(name: string, cells: string[]) {
    const file = path.join(folder, `${name}.ipynb`);
    fs.writeFileSync(file, notebook(cells));
    return runNotebook(file, 180);
  }

  it("reads a file beside the notebook by its bare name", () => {
    const result = run('kernel_relative', [
      "import { loadExample } from './dist/index';\nconst example = await loadExample({ path: 'beside.png', size: 8 });\nif (example.image.width !== 8 || example.image.data[0] !== 200) throw new Error('wrong pixels');",
    ]);
    expect(result.error ?? '').toBe('');
    expect(result.ok).toBe(true);
  }, 240_000);

  it('names the folder searched for a missing file, without tslab frames', () => {
    const result = run('kernel_missing', ["import { readImage } from './dist/index';\nawait readImage('nope.png');"]);
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`image 'nope.png': no such file (looked for ${path.join(folder, 'nope.png')}: relative paths start in ${folder}`);
    expect(result.error).not.toMatch(/node_modules\/tslab|node:internal/);
  }, 240_000);

  it('says a tensor was disposed, and shows no tslab frames under a library error', () => {
    const result = run('kernel_disposed', [
      "import { tf, load, gradCam } from './dist/index';\nconst { model } = await load('gradcam-default');\nconst input = tf.zeros([1, 128, 128, 3]) as tf.Tensor4D;\ninput.dispose();\nawait gradCam(model, input, { target: 0 });",
    ]);
    expect(result.ok).toBe(false);
    expect(result.error).toContain('gradCam: images: this tensor was disposed');
    expect(result.error).not.toContain("reading 'backend'");
    expect(result.error).not.toMatch(/node_modules\/tslab|node:internal/);
  }, 240_000);
});
