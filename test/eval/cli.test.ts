import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveRedChannelModel, writeFixture } from './fixture';

const ROOT = path.resolve(__dirname, '..', '..');
let data = '';
let weights = '';
let out = '';

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'eval.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  data = await writeFixture();
  weights = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-weights-'));
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-out-'));
  await saveRedChannelModel(weights);
});

afterAll(() => {
  for (const dir of [data, weights, out]) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run eval (scripts/eval.ts)', () => {
  it('evaluates two methods with and without CRF, prints the table and writes JSON and Markdown', () => {
    const r = runCli(['--data', data, '--model', 'red-channel', '--weights-dir', weights, '--methods', 'cam,gradCam', '--crf', '--out', out]);
    expect(r.stderr).toMatch(/\[#+\] 3\/3/);
    expect(r.status).toBe(0);
    const table = r.stdout.split('\n').filter((l) => /^(cam|gradCam)/.test(l));
    expect(table.map((l) => l.split(/\s+/)[0])).toEqual(['cam', 'cam+crf', 'gradCam', 'gradCam+crf']);
    // the closed forms of the fixture: GT-known 2/3 for CAM
    expect(table[0].split(/\s+/)[1]).toBe('66.7');
    expect(r.stdout).toMatch(/throughput: [\d.]+ images\/s over 3 images/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'red-channel-test.json'), 'utf8'));
    expect(json.rows).toHaveLength(4);
    expect(json.rows[0].result.gtKnownLoc).toBeCloseTo(2 / 3, 12);
    expect(fs.readFileSync(path.join(out, 'red-channel-test.md'), 'utf8')).toContain('| cam+crf |');
  });

  it('fails with a message naming the problem', () => {
    const unknown = runCli(['--data', data, '--model', 'red-channel', '--weights-dir', weights, '--methods', 'cam,nope']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown method 'nope': expected some of cam, gradCam/);
    const missing = runCli(['--model', 'red-channel']);
    expect(missing.stderr).toMatch(/--data is required/);
    const noModel = runCli(['--data', data, '--model', 'absent', '--weights-dir', weights]);
    expect(noModel.stderr).toMatch(/no model 'absent'/);
  });
});
