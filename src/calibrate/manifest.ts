/**
 * Calibrations in a shipped model's `manifest.json` (`calibration.<method>`), and the CRF
 * parameters a model should be refined with.
 *
 * The manifest's `files` hashes cover the other files of the folder only, so recording a
 * calibration leaves `load()`'s checks valid. The file is replaced atomically (written to a
 * temporary file in the same folder, then renamed), so it is never half-written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CamCrfOptions } from '../crf/refine-cam';
import { CAM_PROTOCOL_THRESHOLD } from '../metrics/boxesFromHeatmap';
import { MethodCalibration, ModelCalibration } from '../types';
import { readManifest, WeightsManifest } from '../weights';
import { SEED_CAM_CRF } from './crf-search';

/**
 * Merges `update` into `calibration.<method>` of the manifest in `dir` (other methods and fields
 * are kept) and writes it back atomically; returns the new manifest.
 *
 * @throws Error naming the file when the manifest cannot be read or written.
 */
export function writeCalibration(dir: string, method: string, update: MethodCalibration): WeightsManifest {
  const file = path.join(dir, 'manifest.json');
  const manifest = readManifest(dir);
  const calibration: ModelCalibration = { ...(manifest.calibration ?? {}), [method]: { ...(manifest.calibration?.[method] ?? {}), ...update } };
  const next: WeightsManifest = { ...manifest, calibration };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: cannot write the calibration (${(error as Error).message})`);
  }
  return next;
}

/**
 * The CRF parameters to refine `method`'s heatmaps of this model with: the calibrated ones of its
 * manifest when `npm run tune:crf` recorded some, else the seed notebook's ({@link SEED_CAM_CRF},
 * also `CAM_CRF_PRESETS.seed`).
 *
 * @example
 * ```ts
 * const { manifest } = await load('cam-default');
 * const { masks } = refineCamWithCrf(image, heatmap, crfOptionsFor(manifest));
 * ```
 */
export function crfOptionsFor(manifest: WeightsManifest, method = 'cam'): CamCrfOptions {
  return manifest.calibration?.[method]?.crf?.options ?? SEED_CAM_CRF;
}

/**
 * The box threshold (fraction of the map's max) of `method` for this model: the one calibrated on
 * val when recorded, else the CAM paper's 0.2.
 */
export function boxThresholdFor(manifest: WeightsManifest, method = 'cam'): number {
  return manifest.calibration?.[method]?.boxThreshold?.threshold ?? CAM_PROTOCOL_THRESHOLD;
}
