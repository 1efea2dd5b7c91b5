/**
 * Converters to tfjs: any Keras model file with its own configuration (`--arch auto`, issue 18), and
 * the original weights (issue 8): Caffe `.caffemodel` and Keras `.h5` →
 * `vgg16` / `vgg16Gap` in tfjs layers format with a manifest.
 */
export type { SourceTensor, SourceLayer, SourceNet, SourceGraphNode } from './sourceNet';
export { MAX_MODEL_FILE_BYTES, fileTensor, memoryTensor, sizeOfShape } from './sourceNet';
export { checkSourceGraph } from './checkGraph';
export { kerasConfigGraph } from './kerasGraph';
export { CAFFE_SCHEMA } from './caffeSchema';
export { readCaffemodel } from './readCaffemodel';
export type { Hdf5Superblock } from './hdf5Header';
export { checkHdf5Header } from './hdf5Header';
export { readKerasH5 } from './readKerasH5';
export { KERAS_WEIGHTS_MEMBER, isZipArchive, storedZipMember } from './kerasArchive';
export type { InnerProductRows } from './caffeLayout';
export {
  caffeConvKernelToTfjs,
  caffeInnerProductToTfjs,
  caffeFlattenedInnerProductToTfjs,
  caffeInnerProductRowsToTfjs,
  caffeInnerProductRowChunks,
} from './caffeLayout';
export { expandGroupedKernel } from './groupedKernel';
export type { ConvertArch, ArchLayers, ArchModelOptions } from './architectures';
export { CONVERT_ARCHS, ARCH_LAYERS, parseConvertArch, archNameOfKerasLayer, buildArchModel } from './architectures';
export type { MappedLayer, MappedTensor, MappedWeights } from './mapWeights';
export { mapWeights } from './mapWeights';
export type { ConvertToModelOptions, ConvertedModel, ConversionPlan, ModelDescription, ModelWeight, VariableInfo } from './convertModel';
export { convertToModel, planConversion, describeModel, describeArchModel, matchWeights } from './convertModel';
export type { ChannelPreprocessing } from './preprocessing';
export { VGG_MEAN_BGR, caffePreprocessing, kerasVgg16Preprocessing, applyChannelPreprocessing } from './preprocessing';
export { IMAGENET_CLASSES, classNamesFor } from './imagenetClasses';
export type { ConvertedSource, ConvertedManifest, ConvertedManifestInput } from './manifest';
export { makeConvertedManifest } from './manifest';
export type { WrittenFile, LoadedConvertedModel, WriteConvertedOptions, WrittenConvertedFolder } from './writeConvertedModel';
export { writeConvertedModel, writeConvertedFiles, loadConvertedModel, checkConvertedFolder } from './writeConvertedModel';
export type { FileSink, OpenFile, WeightToWrite, WrittenModelFiles, ReplaceFolderOptions } from './writeFolder';
export { openFileSink, writeFileThrough, writeLayersModelFiles, replaceFolderAtomically } from './writeFolder';
export type { ConvertFrom, ConvertFileOptions, ConvertedFile, SourceFile } from './convertFile';
export { convertFile, readSourceFile } from './convertFile';
export type { ConvertCliArgs, RunConvertCliOptions, ConvertCliResult } from './cli';
export { CONVERT_USAGE, parseConvertArgs, readModelFile, runConvertCli } from './cli';
export type { NamedSourceTensor, KerasObjectConfig, KerasModelFile } from './kerasModelFile';
export { KERAS_CONFIG_MEMBER, readKerasModelFile } from './kerasModelFile';
export type { TranslatedConfig } from './kerasConfigToTfjs';
export { UnsupportedLayerError, translateKerasConfig } from './kerasConfigToTfjs';
export type { AssignedWeight, BuiltKerasModel } from './buildKerasModel';
export { buildKerasModel } from './buildKerasModel';
export type { PreprocessMode } from './kerasPreprocessing';
export { PREPROCESS_MODES, preprocessingOf, knownApplicationMode, parsePreprocessMode } from './kerasPreprocessing';
export type { AutoConvertedManifest, ConvertKerasModelOptions, KerasModelConversion } from './convertKerasModel';
export { NoModelConfigError, convertKerasModel } from './convertKerasModel';
export { loadsAsLocation, loadModelLocation } from './loadModelFolder';
