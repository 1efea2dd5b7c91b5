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
