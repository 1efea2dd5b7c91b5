/**
 * Dense CRF (Krähenbühl & Koltun, NIPS 2011) on the permutohedral lattice (Adams et al. 2010),
 * with pydensecrf's names and data contract, plus CAM → mask refinement: WebAssembly SIMD kernels
 * by default, a TypeScript reference as fallback (`WSOL_CRF=ts|wasm`, see README.md).
 */
export { PermutohedralLattice } from './permutohedral';
export type { LatticeComputeOptions } from './permutohedral';
export {
  DenseKernel,
  DIAG_KERNEL,
  NO_NORMALIZATION,
  NORMALIZE_AFTER,
  NORMALIZE_BEFORE,
  NORMALIZE_SYMMETRIC,
} from './kernel';
export type { DenseFilter, KernelType, Normalization } from './kernel';
export { makeCompatibility } from './compatibility';
export type { CompatibilitySpec, LabelCompatibility } from './compatibility';
export { bilateralFeatures, gaussianFeatures } from './features';
export type { PerAxis } from './features';
export { unaryFromLabels, unaryFromSoftmax } from './unary';
export type { LabelProbabilities, UnaryFromLabelsOptions, UnaryFromSoftmaxOptions } from './unary';
export { argmaxLabels, DenseCRF, DenseCRF2D, PairwisePotential } from './dense-crf';
export type {
  PairwiseBilateralOptions,
  PairwiseEnergyOptions,
  PairwiseGaussianOptions,
} from './dense-crf';
export { CAM_CRF_DEFAULTS, camLabelProbabilities, refineCamWithCrf } from './refine-cam';
export { crfThreads, setCrfThreads } from './threads';
export { crfImplementation } from './wasm-node';
export type { CrfImplementation } from './wasm-node';
export { WasmCrf } from './wasm-crf';
export type { WasmCrfOptions, WasmThreads, WasmCall } from './wasm-crf';
export type { CamCrfOptions, CamCrfResult, CrfImage } from './refine-cam';
