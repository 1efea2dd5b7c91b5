import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam } from '../../src/cam/cam';
import { EvaluationCheckpoint } from '../../src/eval/checkpoint';
import { readWsolDataset } from '../../src/eval/dataset';
import { evaluateDataset } from '../../src/eval/runner';
import { redChannelModel, saveRedChannelModel } from './fixture';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'wsol');
let weights = '';
const temps: string[] = [];

function temp(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'eval.ts'), ...args], {
    cwd: temp('wsol-cwd-'),
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const model = (): string[] => ['--model', 'red-channel', '--weights-dir', weights];

beforeAll(async () => {
  weights = temp('wsol-weights-');
  await saveRedChannelModel(weights);
});

afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run eval (scripts/eval.ts) on wsolevaluation\'s layout', () => {
  it('evaluates CUB (mixed sizes, batch 3) with two methods and the CRF in one command, and never overwrites the result', () => {
    const out = temp('wsol-out-');
    const r = runCli(['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--methods', 'cam,gradCam', '--crf', '--batch', '3', '--out', out]);
    expect(r.stderr).toMatch(/\[#+\] 4\/4/);
    expect(r.status).toBe(0);
    // libtensorflow's two start-up lines are filtered out
    expect(r.stderr).not.toMatch(/absl::InitializeLog|oneDNN custom operations/);
    expect(r.stdout).toMatch(/4 images of CUB\/test/);
    expect(r.stdout).toMatch(/note: the dataset has no class names/);
    const table = r.stdout.split('\n').filter((l) => /^(cam|gradCam)/.test(l));
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(['cam', 'cam+crf', 'gradCam', 'gradCam+crf']);
    // the hand figures of test/eval/layouts.test.ts: GT-known 3/4, top-1 loc 2/4
    expect(table[0].split(/\s+/).slice(1, 3)).toEqual(['75.0', '50.0']);
    const base = path.join(out, 'red-channel_CUB-test_cam+gradCam_crf');
    const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
    expect(json.rows).toHaveLength(4);
    expect(json.rows[0].result.gtKnownLoc).toBe(0.75);
    expect(fs.readFileSync(`${base}.md`, 'utf8')).toContain('| cam+crf |');
    expect(fs.existsSync(`${base}.checkpoint.json`)).toBe(false);
    // the same run again: refused before the backend starts
    const again = runCli(['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--methods', 'cam,gradCam', '--crf', '--out', out]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/red-channel_CUB-test_cam\+gradCam_crf.json exists \(a finished run\): give another --out, or --force/);
    expect(again.stdout).not.toMatch(/backend/);
  });

  it('evaluates OpenImages masks from --metadata and --images, and says what --limit keeps', () => {
    const out = temp('wsol-out-');
    const r = runCli(['--metadata', path.join(FIXTURE, 'metadata'), '--images', path.join(FIXTURE, 'dataset'), '--split', 'OpenImages/test', ...model(), '--limit', '2', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 images of OpenImages\/test/);
    expect(r.stdout).toMatch(/note: --limit 2: the first 2 of 3 images/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'red-channel_OpenImages-test_cam_first2.json'), 'utf8'));
    // mask IoU at 0.5 of the first two images: 1 and 64/80
    expect(json.rows[0].result.maskIoU.atThreshold).toBeCloseTo((1 + 0.8) / 2, 12);
    expect(json.rows[0].result.pxap).toBeGreaterThan(0);
  });

  it('resumes from the checkpoint of an interrupted run', async () => {
    const out = temp('wsol-out-');
    const loaded = redChannelModel();
    let saved: EvaluationCheckpoint | undefined;
    const cub = readWsolDataset({ data: FIXTURE, dataset: 'CUB', split: 'test' });
    const interrupt = (c: EvaluationCheckpoint): void => {
      saved = c;
      throw new Error('interrupted');
    };
    await evaluateDataset(loaded, cub, { methods: [{ name: 'cam', method: cam }], batchSize: 2, onCheckpoint: interrupt }).catch(() => undefined);
    loaded.model.dispose();
    fs.writeFileSync(path.join(out, 'red-channel_CUB-test_cam.checkpoint.json'), JSON.stringify(saved));
    const r = runCli(['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/resuming from .*red-channel_CUB-test_cam.checkpoint.json: 2 of 4 images done/);
    expect(r.stdout).toMatch(/resumed after image 2/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'red-channel_CUB-test_cam.json'), 'utf8'));
    expect(json.rows[0].result.gtKnownLoc).toBe(0.75);
  });

  it('names a failing image and keeps the checkpoint; --keep-going then resumes and skips it', () => {
    const data = temp('wsol-data-');
    fs.cpSync(FIXTURE, data, { recursive: true });
    fs.writeFileSync(path.join(data, 'dataset', 'CUB', '002.Bus', 'Bus_0003.png'), 'not a png');
    const out = temp('wsol-out-');
    const args = ['--data', data, '--dataset', 'CUB', ...model(), '--batch', '1', '--out', out];
    const failed = runCli(args);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/image '002.Bus\/Bus_0003.png' \(.*Bus_0003.png\): .*cannot decode the image/);
    const checkpoint = JSON.parse(fs.readFileSync(path.join(out, 'red-channel_CUB-test_cam.checkpoint.json'), 'utf8'));
    expect(checkpoint.done).toBe(2);
    const kept = runCli([...args, '--keep-going']);
    expect(kept.status).toBe(0);
    expect(kept.stdout).toMatch(/resuming from .*: 2 of 4 images done/);
    expect(kept.stderr).toMatch(/skipped '002.Bus\/Bus_0003.png': .*cannot decode the image/);
    expect(kept.stdout).toMatch(/1 skipped \(002.Bus\/Bus_0003.png\)/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'red-channel_CUB-test_cam.json'), 'utf8'));
    expect(json.rows[0].result.images).toBe(3);
    expect(json.skipped).toEqual([{ imageId: '002.Bus/Bus_0003.png', error: expect.stringMatching(/cannot decode/) }]);
  });

  it('fails before the backend starts, with a message naming the problem', () => {
    const file = path.join(temp('wsol-out-'), 'results.json');
    fs.writeFileSync(file, '');
    const data = temp('wsol-data-');
    fs.cpSync(FIXTURE, data, { recursive: true });
    fs.writeFileSync(path.join(data, 'metadata', 'CUB', 'classes.txt'), 'apple\npear\n');
    const damaged = temp('wsol-weights-');
    fs.cpSync(weights, damaged, { recursive: true });
    fs.appendFileSync(path.join(damaged, 'red-channel', 'weights.bin'), 'x');
    const cases: [string[], RegExp][] = [
      [['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--methods', 'cam,nope'], /unknown method 'nope': expected some of cam, gradCam/],
      [['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--methods', 'constructor'], /unknown method 'constructor'/],
      [['--data', FIXTURE, ...model()], /several datasets with split 'test' \(CUB, ILSVRC, OpenImages\): choose one with --dataset/],
      [['--data', FIXTURE, '--dataset', 'CUB', ...model(), '--out', file], /results.json: --out must be a folder, this is a file/],
      [['--data', data, '--dataset', 'CUB', ...model()], /classes.txt:2: class 'pear' is not a class of model 'red-channel'/],
      [['--data', FIXTURE, '--dataset', 'CUB', '--model', 'red-channel', '--weights-dir', damaged], /weights.bin: SHA-256 mismatch/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/backend/);
    }
  });
});
