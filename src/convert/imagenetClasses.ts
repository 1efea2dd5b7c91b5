/**
 * The 1,000 ILSVRC-2012 class names in the standard order (sorted WordNet ids — the order of Caffe's
 * synset_words.txt and Keras' imagenet_class_index.json, and of VGG16's 1,000 outputs).
 *
 * Data: imagenetClasses.json, taken from the npm package @tensorflow-models/mobilenet 2.1.1
 * (dist/imagenet_classes.js, Apache-2.0, Copyright 2019 Google LLC); the file records its source.
 */
import data from './imagenetClasses.json';

/** ImageNet's 1,000 class names; output i of an ImageNet classifier is class i. */
export const IMAGENET_CLASSES: readonly string[] = Object.freeze(data.classes.slice());

/**
 * Class names for a head of `count` outputs: ImageNet's when `count` is 1,000, else `class 0`,
 * `class 1`, … (the file says nothing about them).
 */
export function classNamesFor(count: number): string[] {
  if (count === IMAGENET_CLASSES.length) return IMAGENET_CLASSES.slice();
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}
