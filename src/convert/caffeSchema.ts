/**
 * The minimal subset of Caffe's `caffe.proto` (BVLC Caffe, src/caffe/proto/caffe.proto) that a
 * `.caffemodel` needs to give up its weights, as a protobufjs schema.
 *
 * Field numbers are Caffe's. Two deliberate departures, both wire-compatible:
 * - `BlobProto.data` (`repeated float data = 5 [packed = true]`) and `double_data` (field 8) are
 *   declared `bytes`: a packed repeated float is one length-delimited run of little-endian floats, so
 *   reading it as bytes gives a zero-copy view instead of a JavaScript array of 100 million numbers
 *   (VGG16's fc6). Caffe always writes these fields packed.
 * - `V1LayerParameter.type` (enum `LayerType`) is declared `int32` (same varint on the wire); the
 *   enum names that matter are in {@link V1_LAYER_TYPES}.
 * Of the layer parameters only each layer's `bottom` / `top` blobs and the geometry of
 * `convolution_param` (kernel, pad, stride, dilation, `group`: the CAM model's CAM_conv has `group: 2`)
 * are read; every other field of a real caffemodel (other layer parameters, phases, learning rates)
 * is skipped as an unknown field.
 */
import * as protobuf from 'protobufjs';

/** The schema text, proto2, package `caffe`. */
export const CAFFE_SCHEMA = `
syntax = "proto2";
package caffe;

message BlobShape {
  repeated int64 dim = 1 [packed = true];
}

message BlobProto {
  optional BlobShape shape = 7;
  optional bytes data = 5;          // repeated float, packed
  optional bytes double_data = 8;   // repeated double, packed
  optional int32 num = 1 [default = 0];
  optional int32 channels = 2 [default = 0];
  optional int32 height = 3 [default = 0];
  optional int32 width = 4 [default = 0];
}

message ConvolutionParameter {
  repeated uint32 pad = 3;
  repeated uint32 kernel_size = 4;
  optional uint32 group = 5 [default = 1];
  repeated uint32 stride = 6;
  optional uint32 pad_h = 9;
  optional uint32 pad_w = 10;
  optional uint32 kernel_h = 11;
  optional uint32 kernel_w = 12;
  optional uint32 stride_h = 13;
  optional uint32 stride_w = 14;
  repeated uint32 dilation = 18;
}

message LayerParameter {
  optional string name = 1;
  optional string type = 2;
  repeated string bottom = 3;
  repeated string top = 4;
  repeated BlobProto blobs = 7;
  optional ConvolutionParameter convolution_param = 106;
}

message V1LayerParameter {
  repeated string bottom = 2;
  repeated string top = 3;
  optional string name = 4;
  optional int32 type = 5;          // enum LayerType
  repeated BlobProto blobs = 6;
  optional ConvolutionParameter convolution_param = 10;
}

message NetParameter {
  optional string name = 1;
  repeated V1LayerParameter layers = 2;
  repeated LayerParameter layer = 100;
}
`;

/** Names of the V1 `LayerParameter.LayerType` values found in VGG-style caffemodels. */
export const V1_LAYER_TYPES: Readonly<Record<number, string>> = {
  4: 'Convolution',
  5: 'Data',
  6: 'Dropout',
  8: 'Flatten',
  14: 'InnerProduct',
  15: 'LRN',
  17: 'Pooling',
  18: 'ReLU',
  20: 'Softmax',
  21: 'SoftmaxWithLoss',
  22: 'Split',
};

/** Decoded `BlobShape`: int64 dims come back as numbers or protobufjs `Long`s. */
export interface BlobShapeMessage {
  readonly dim: ReadonlyArray<number | protobuf.Long>;
}

/** Decoded `BlobProto` (only the fields of {@link CAFFE_SCHEMA}). */
export interface BlobProtoMessage {
  readonly shape?: BlobShapeMessage | null;
  readonly data?: Uint8Array;
  readonly double_data?: Uint8Array;
  readonly num?: number;
  readonly channels?: number;
  readonly height?: number;
  readonly width?: number;
}

/** Decoded `ConvolutionParameter` (only the geometry and `group`). */
export interface ConvolutionParameterMessage {
  readonly group?: number;
  readonly pad?: readonly number[];
  readonly kernel_size?: readonly number[];
  readonly stride?: readonly number[];
  readonly dilation?: readonly number[];
  readonly pad_h?: number;
  readonly pad_w?: number;
  readonly kernel_h?: number;
  readonly kernel_w?: number;
  readonly stride_h?: number;
  readonly stride_w?: number;
}

/** Decoded `LayerParameter` / `V1LayerParameter`. */
export interface LayerMessage {
  readonly name?: string;
  readonly type?: string | number;
  readonly bottom: readonly string[];
  readonly top: readonly string[];
  readonly blobs: readonly BlobProtoMessage[];
  readonly convolution_param?: ConvolutionParameterMessage | null;
}

/** Decoded `NetParameter`. */
export interface NetParameterMessage {
  readonly name?: string;
  readonly layers: readonly LayerMessage[];
  readonly layer: readonly LayerMessage[];
}

let netParameterType: protobuf.Type | undefined;

/** The `caffe.NetParameter` message type, parsed once from {@link CAFFE_SCHEMA}. */
export function netParameterMessageType(): protobuf.Type {
  if (netParameterType === undefined) {
    const root = protobuf.parse(CAFFE_SCHEMA, { keepCase: true }).root;
    netParameterType = root.lookupType('caffe.NetParameter');
  }
  return netParameterType;
}
