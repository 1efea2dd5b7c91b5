/**
 * Calibration of post-processing on a held-out split: the dense CRF's parameters and the CAM box
 * threshold, recorded in a model's manifest (`npm run tune:crf`).
 */
export * from './cases';
export * from './crf-search';
export * from './box-threshold';
export * from './manifest';
