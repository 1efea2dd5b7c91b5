/** Live widgets in notebook outputs: the CRF tuner and the class explorer (computed in the page). */
export { classMaps } from './class-maps';
export { computeClassExplorer } from './class-explorer-compute';
export type { ClassExplorerInputs, ClassExplorerView } from './class-explorer-compute';
export { computeCrfTuner, crfOptionsLiteral, tunerParameters } from './crf-tuner-compute';
export type { CrfTunerInputs, CrfTunerResult } from './crf-tuner-compute';
export { pageBundle } from './page-bundle';
export type { PageBundle } from './page-bundle';
export { classExplorerPayload, crfTunerPayload } from './payload';
export { showClassExplorer, showCrfTuner, widgetBundle } from './show';
