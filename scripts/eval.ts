/**
 * Evaluates localization methods on a dataset split laid out as wsolevaluation's repository
 * documents it (CUB, ILSVRC, OpenImages), or on this project's export.
 *
 *   npm run eval -- --data <folder> --dataset CUB --model <name> [--methods cam,gradCam,…] [--crf] [--crf-preset calibrated|seed]
 *   npm run eval -- --metadata <root> --images <root> [--masks <root>] --dataset OpenImages --model <name> …
 *                   [--split test] [--weights-dir weights] [--batch 32] [--limit N] [--target true|predicted]
 *                   [--frame image|input] [--faithfulness N] [--out eval-results] [--force] [--keep-going]
 *                   [--repeat N]
 *
 * `--crf` refines with the model's CRF parameters calibrated on val for the first method
 * (`npm run tune:crf`, recorded in its manifest), or the seed notebook's when it has none or with
 * `--crf-preset seed` (its rows and file names then say `crf-seed`).
 *
 * Everything that can be checked is checked before the backend starts: the layout and metadata,
 * the dataset's classes against the model's, every image and mask file, the output folder. Prints
 * a table (one row per method, and per method + CRF with --crf) and writes
 * `<out>/<model>_<dataset>-<split>_<methods>[_crf].json` and `.md` (default out: `./eval-results`);
 * an existing result is kept unless --force. After each batch the run is checkpointed to
 * `<name>.checkpoint.json`; running the same command again resumes there. `--keep-going` skips an
 * image that fails (and lists it) instead of stopping. `--frame input` scores the maps at the
 * model's input size with the ground truth rescaled, as wsolevaluation's code does
 * (src/eval/frame.ts). `--repeat N` runs the whole evaluation N times and prints the median
 * throughput (a benchmark: no checkpoints; reports of the last run).
 *
 * This file only runs scripts/eval-run.ts, the command itself, and keeps libtensorflow's start-up
 * lines out of its stderr.
 */
import { spawn } from 'child_process';
import * as path from 'path';

/**
 * The two lines libtensorflow prints to stderr when it loads (absl's "All log messages before
 * absl::InitializeLog()…" and "oneDNN custom operations are on…"), which TF_CPP_MIN_LOG_LEVEL does
 * not silence. Only `TF_ENABLE_ONEDNN_OPTS=0` would, at the price of oneDNN's kernels.
 */
const TENSORFLOW_START_LINES = [/^WARNING: All log messages before absl::InitializeLog\(\) is called/, /^I0000 .*\] oneDNN custom operations are on/];

/**
 * Runs the command (scripts/eval-run.ts) as a child whose stderr passes through here without
 * libtensorflow's start-up lines (everything else, progress bar included, as it comes); exits with
 * its status. This process loads nothing but Node's own modules.
 */
function runWithoutTensorFlowStartLines(): void {
  const child = spawn(process.execPath, [...process.execArgv, path.join(__dirname, 'eval-run.ts'), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { ...process.env, WSOL_STDERR_TTY: process.stderr.isTTY ? '1' : '0' },
  });
  let pending = '';
  const flush = (final: boolean): void => {
    const lines = pending.split('\n');
    pending = final ? '' : (lines.pop() as string);
    const kept = lines.filter((line) => !TENSORFLOW_START_LINES.some((re) => re.test(line)));
    if (kept.length > 0 && !(final && kept.length === 1 && kept[0] === '')) process.stderr.write(kept.join('\n') + (final ? '' : '\n'));
    // a partial line that cannot be one of TensorFlow's (the progress bar redrawn with \r) goes out at once
    if (pending !== '' && !/^[WI]/.test(pending)) {
      process.stderr.write(pending);
      pending = '';
    }
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    pending += chunk;
    flush(false);
  });
  child.on('close', (code, signal) => {
    flush(true);
    process.exit(code ?? (signal === null ? 1 : 128 + (signal === 'SIGINT' ? 2 : 15)));
  });
  // Ctrl-C reaches the child through the terminal; the parent waits for it to stop
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
}

runWithoutTensorFlowStartLines();
