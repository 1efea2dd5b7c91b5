/**
 * wsol-lab: weakly supervised object localization on TensorFlow.js.
 *
 * The one entry point of the library; notebooks import from here only.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export * from './backend';
export * from './types';
export * from './models/vgg16';
export * from './display/index';
export * from './environment';
export * from './draw/index';
export * from './plots/index';
export * from './cam/targets';
export type { CamOptions, WeightInputs, WeightFunction } from './cam/core';
export { normalizeMaps, upsampleMaps } from './cam/core';
export * from './cam/cam';
export * from './cam/grad-cam';
export * from './cam/grad-cam-plus-plus';
export * from './cam/xgrad-cam';
export * from './cam/layer-cam';
export * from './cam/hires-cam';
export * from './cam/score-cam';
export * from './cam/eigen-cam';
export * from './cam/guided-backprop';
export * from './cam/guided-grad-cam';
export * from './cam/top-k';
export { defaultLayerName } from './model/graph';
export * from './model/report';
export type { ForwardResult } from './model/forward';
export { classScores, layerActivations, forwardPass } from './model/forward';
export type { LayerGradients } from './model/gradients';
export { layerGradients, inputGradients } from './model/gradients';
export { guidedRelu } from './model/guided-relu';
export * from './metrics/index';
export * from './bench/generator';
export * from './bench/splits';
export * from './bench/export';
export * from './bench/accuracy';
export * from './models/small';
export * from './weights';
export * from './crf/index';
export * from './calibrate/index';
export { toHeatmaps } from './cam/core';
export * from './eval/index';
export * from './convert/index';
export * from './methods';
export * from './examples';
export * from './paths';
export * from './widgets/index';
