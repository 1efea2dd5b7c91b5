/**
 * One call from a model file's bytes to a filled tfjs model and its manifest data: read
 * ({@link readCaffemodel} or {@link readKerasH5}), map by layer name ({@link mapWeights}), build and
 * fill ({@link convertToModel}), and record the source's preprocessing and classes.
 */
import * as tf from '@tensorflow/tfjs';
import { ArchModelOptions, ConvertArch } from './architectures';
import { ConvertedModel, convertToModel } from './convertModel';
import { classNamesFor } from './imagenetClasses';
import { ConvertedSource, sha256Hex } from './manifest';
import { ChannelPreprocessing, caffePreprocessing, kerasVgg16Preprocessing } from './preprocessing';
import { readCaffemodel } from './readCaffemodel';
import { readKerasH5 } from './readKerasH5';
import { SourceNet } from './sourceNet';

/** Formats the converters read. */
export type ConvertFrom = 'caffe' | 'keras';

/** Options of {@link convertFile}. */
export interface ConvertFileOptions {
  /** Format of the file. */
  readonly from: ConvertFrom;
  /** Architecture to fill. */
  readonly arch: ConvertArch;
  /** File name, for messages and the manifest. @default 'model' */
  readonly fileName?: string;
  /** Input side (see {@link ConvertToModelOptions.inputSize}). @default from fc6, or 224 */
  readonly inputSize?: number;
  /** Caffe only: mean pixel (B, G, R) the model was trained with. @default VGG_MEAN_BGR */
  readonly meanBgr?: readonly number[];
  /** Builds the empty model (tests: tiny widths). @default vgg16 / vgg16Gap of src/models */
  readonly build?: (arch: ConvertArch, options: ArchModelOptions) => tf.LayersModel;
}

/** A model file read and identified, before any mapping ({@link readSourceFile}). */
export interface SourceFile {
  readonly source: ConvertedSource;
  readonly net: SourceNet;
  readonly preprocessing: ChannelPreprocessing;
}

/** The result of {@link convertFile}; the caller disposes `model`. */
export interface ConvertedFile extends ConvertedModel, SourceFile {
  readonly classes: string[];
}

/**
 * Reads the bytes of a `.caffemodel` or Keras `.h5` (its weights stay in `bytes` until read) and
 * records its format, hash and input convention.
 *
 * @throws Error for an unknown format or an unreadable file.
 */
export function readSourceFile(bytes: Uint8Array, options: Pick<ConvertFileOptions, 'from' | 'fileName' | 'meanBgr'>): SourceFile {
  const fileName = options.fileName ?? 'model';
  if (options.from !== 'caffe' && options.from !== 'keras') {
    throw new Error(`Unknown source format '${String(options.from)}': expected caffe or keras`);
  }
  const preprocessing = options.from === 'caffe' ? caffePreprocessing(options.meanBgr) : kerasVgg16Preprocessing();
  const net = options.from === 'caffe' ? readCaffemodel(bytes) : readKerasH5(bytes, fileName);
  const source: ConvertedSource = { format: net.format, layout: net.layout, file: fileName, bytes: bytes.length, sha256: sha256Hex(bytes) };
  return { source, net, preprocessing };
}

/**
 * Converts the bytes of a `.caffemodel` or Keras `.h5` into a new tfjs model of `arch`, in memory
 * (the command line streams to a folder instead: {@link runConvertCli}).
 *
 * @throws Error for unreadable files, wrong architecture, missing or surplus layers or wrong shapes.
 */
export function convertFile(bytes: Uint8Array, options: ConvertFileOptions): ConvertedFile {
  const file = readSourceFile(bytes, options);
  const converted = convertToModel(file.net, options.arch, { inputSize: options.inputSize, build: options.build });
  return { ...converted, ...file, classes: classNamesFor(converted.weights.classes) };
}
