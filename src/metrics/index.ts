/**
 * WSOL metrics: box and mask localization (CAM protocol, MaxBoxAcc/MaxBoxAccV2, PxAP, mask IoU),
 * faithfulness (deletion/insertion AUC, average drop / increase in confidence) and the
 * accumulate/compute evaluator.
 */
export * from './iou';
export * from './components';
export * from './thresholds';
export * from './heatmapChecks';
export * from './objectMask';
export * from './boxesFromHeatmap';
export * from './boxSweep';
export * from './localization';
export * from './pixelPrecisionRecall';
export * from './maskIoU';
export * from './classifier';
export * from './deletionInsertion';
export * from './confidenceChange';
export * from './evaluator';
