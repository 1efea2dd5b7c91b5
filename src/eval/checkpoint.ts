/**
 * Checkpoints of an evaluation run, so that an interrupted or failed run resumes where it stopped:
 * after each batch the runner hands out an {@link EvaluationCheckpoint} (the evaluators' counters,
 * the cases, the classification counts, the images done), written with {@link writeFileAtomic}.
 * A checkpoint is tied to its run by a key over the dataset's image ids, the model and every
 * option that changes the figures; resuming under another key is refused.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { WsolEvaluatorState } from '../metrics/evaluator';
import type { CaseRecord } from './runner';

/** One image left out of a run (`keepGoing`), with the reason. */
export interface SkippedImage {
  readonly imageId: string;
  readonly error: string;
}

/** One row's saved state. */
export interface RowCheckpoint {
  readonly name: string;
  readonly refined: boolean;
  readonly evaluator: WsolEvaluatorState;
  readonly seconds: number;
  readonly best: readonly CaseRecord[];
  readonly worst: readonly CaseRecord[];
}

/** Everything needed to continue a run after its first `done` images. */
export interface EvaluationCheckpoint {
  readonly version: 1;
  /** Identifies the run ({@link runKey}). */
  readonly key: string;
  /** Images of the run handled so far (evaluated or skipped), in the dataset's order. */
  readonly done: number;
  readonly total: number;
  readonly classified: number;
  readonly top1: number;
  readonly top5: number;
  readonly rows: readonly RowCheckpoint[];
  readonly skipped: readonly SkippedImage[];
  /** Seconds spent by the earlier sessions, by phase (see the runner's timings). */
  readonly timings: Readonly<Record<string, number>>;
}

/** A stable hash of a run's identity: the values are serialised as JSON in a fixed order. */
export function runKey(parts: Readonly<Record<string, unknown>>): string {
  const sorted = Object.keys(parts)
    .sort()
    .map((k) => [k, parts[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** SHA-256 (hex, 16 digits) of a list of lines (one per image). */
export function idsDigest(ids: readonly string[]): string {
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
}

/**
 * Writes `text` to `file` so that readers never see a half-written file: a temporary file in the
 * same folder, then a rename over the target.
 */
export function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Reads a checkpoint file; undefined when there is none.
 *
 * @throws Error naming the file when it is not a checkpoint of this version.
 */
export function readCheckpoint(file: string): EvaluationCheckpoint | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a readable checkpoint (${(error as Error).message}); delete it or run with --force`);
  }
  const c = parsed as Partial<EvaluationCheckpoint>;
  if (c.version !== 1 || typeof c.key !== 'string' || typeof c.done !== 'number' || !Array.isArray(c.rows)) {
    throw new Error(`${file}: not a checkpoint of this version; delete it or run with --force`);
  }
  return c as EvaluationCheckpoint;
}
