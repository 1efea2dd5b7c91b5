/**
 * Writes a model folder — `model.json` + `weights.bin` (tfjs layers format, through the shipped models'
 * saver `fsSaveHandler`) and `manifest.json` with the SHA-256 of both — so that it is never half
 * written: everything goes to a new temporary folder beside the target, which is renamed into place
 * only when complete; an existing folder (with `force`) is moved aside first and removed only after
 * the rename succeeded, and put back if it failed. On any failure the temporary folder is removed and
 * the error names the folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fsSaveHandler, sha256 } from '../weights';

/** A file written into the folder. */
export interface FolderFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Saves `model` and the manifest built by `makeManifest(files)` into `dir`, atomically.
 *
 * @throws Error when `dir` exists and `force` is not set, or naming the folder when writing fails
 *   (nothing of the new model is then left on disk, and a previous folder is intact).
 */
export async function writeModelFolder<M>(
  model: tf.LayersModel,
  dir: string,
  makeManifest: (files: Readonly<Record<string, string>>) => M,
  options: { readonly force?: boolean } = {},
): Promise<{ manifest: M; files: FolderFile[] }> {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && !options.force) throw new Error(`${dir} already exists; pass --force to replace it`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.partial-`));
  try {
    await model.save(fsSaveHandler(temp, 'weights.bin'));
    const files = ['model.json', 'weights.bin'].map((name): FolderFile => {
      const bytes = fs.readFileSync(path.join(temp, name));
      return { path: name, bytes: bytes.length, sha256: sha256(bytes) };
    });
    const manifest = makeManifest(Object.fromEntries(files.map((f) => [f.path, f.sha256])));
    fs.writeFileSync(path.join(temp, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    swapIntoPlace(temp, target);
    return { manifest, files };
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw new Error(`writing the model folder ${dir} failed, nothing was changed: ${(error as Error).message}`);
  }
}

function swapIntoPlace(temp: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(temp, target);
    return;
  }
  const old = `${temp}.old`;
  fs.renameSync(target, old);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.renameSync(old, target);
    throw error;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
