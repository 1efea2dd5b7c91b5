/**
 * Finding a split of a dataset laid out as wsolevaluation's repository documents it (Choe et al.,
 * "Evaluating Weakly Supervised Object Localization Methods Right", CVPR 2020,
 * github.com/clovaai/wsolevaluation):
 *
 * ```
 * metadata/<DATASET>/<split>/image_ids.txt      image_id per line (a path relative to dataset/<DATASET>/)
 * metadata/<DATASET>/<split>/class_labels.txt   image_id,class_index
 * metadata/<DATASET>/<split>/image_sizes.txt    image_id,width,height   (empty for OpenImages)
 * metadata/<DATASET>/<split>/localization.txt   image_id,x0,y0,x1,y1              (CUB, ILSVRC: boxes)
 *                                               image_id,mask_path,ignore_path    (OpenImages: masks)
 * dataset/<DATASET>/<image_id>                  the images; OpenImages' masks sit beside them
 * ```
 *
 * with DATASET one of `CUB`, `ILSVRC`, `OpenImages` (or any name). This project's export
 * (src/bench/export.ts) writes the same files, its class names in `metadata/<DATASET>/classes.txt`,
 * and its masks as a companion dataset `<DATASET>-masks` over the same images, which
 * {@link readWsolDataset} merges in. The layout of the project's earlier exports —
 * `<root>/metadata/<split>/…`, images under `<root>`, `metadata/classes.txt` — is still found.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Where the files of one split are. */
export interface WsolLocation {
  /** The dataset's name (`CUB`, `ILSVRC`, `OpenImages`, …); '' for the earlier project layout. */
  readonly dataset: string;
  readonly split: string;
  /** The folder holding image_ids.txt, class_labels.txt, … */
  readonly metadataDir: string;
  /** Image ids are paths relative to this folder. */
  readonly imageRoot: string;
  /** Mask and ignore paths of localization.txt are relative to this folder. */
  readonly maskRoot: string;
  /** The class names (line i = class i), when the dataset has them (wsolevaluation's have not). */
  readonly classesFile?: string;
  /** A companion `<DATASET>-masks` split over the same images, whose masks are merged in. */
  readonly masks?: WsolLocation;
}

/** What {@link locateWsolDataset} is told: a single `data` folder, or the roots apart. */
export interface LocateOptions {
  /** A folder laid out as wsolevaluation's repository (metadata/ and dataset/ inside), or a project export. */
  readonly data?: string;
  /** wsolevaluation's `--metadata_root`: holds `<DATASET>/<split>/`. */
  readonly metadata?: string;
  /** wsolevaluation's `--data_root`: holds `<DATASET>/<image_id>`. @default `<metadata>/../dataset` */
  readonly images?: string;
  /** wsolevaluation's `--mask_root`: holds `<DATASET>/<mask_path>`. @default the image root */
  readonly masks?: string;
  /** `CUB`, `ILSVRC`, `OpenImages`, … @default the only dataset of the metadata root that has the split */
  readonly dataset?: string;
  /** `test`, `val`, `train`, or `<DATASET>/<split>`. */
  readonly split: string;
}

const IDS = 'image_ids.txt';

function isDir(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

function hasSplit(dir: string): boolean {
  return fs.existsSync(path.join(dir, IDS));
}

/** `<root>/<name>` when that folder exists, else `root` itself (the user named the dataset's own folder). */
function datasetFolder(root: string, name: string): string {
  const sub = path.join(root, name);
  return name !== '' && isDir(sub) ? sub : root;
}

/** The dataset names under a metadata root that have `split`. */
function datasetsWithSplit(metadataRoot: string, split: string): string[] {
  if (!isDir(metadataRoot)) return [];
  return fs
    .readdirSync(metadataRoot)
    .filter((name) => hasSplit(path.join(metadataRoot, name, split)))
    .sort();
}

function splitAndDataset(options: LocateOptions): { split: string; dataset?: string } {
  const parts = options.split.split(/[\\/]/).filter((p) => p !== '');
  if (parts.length === 2) {
    if (options.dataset !== undefined && options.dataset !== parts[0]) {
      throw new Error(`--split '${options.split}' names dataset '${parts[0]}' but --dataset is '${options.dataset}'`);
    }
    return { split: parts[1], dataset: parts[0] };
  }
  if (parts.length !== 1) throw new Error(`--split must be a split name such as 'test' (or '<DATASET>/<split>'), got '${options.split}'`);
  return { split: parts[0], dataset: options.dataset };
}

/** Picks the dataset of a metadata root: the given one, else the only one with the split. */
function pickDataset(metadataRoot: string, split: string, dataset: string | undefined): string {
  const found = datasetsWithSplit(metadataRoot, split).filter((name) => !name.endsWith('-masks'));
  if (dataset !== undefined) {
    if (!hasSplit(path.join(metadataRoot, dataset, split))) {
      const known = found.length > 0 ? `datasets with split '${split}' there: ${found.join(', ')}` : `no dataset there has split '${split}'`;
      throw new Error(`${path.join(metadataRoot, dataset, split, IDS)}: not found (${known})`);
    }
    return dataset;
  }
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new Error(`${metadataRoot}: no <DATASET>/${split}/${IDS} inside`);
  throw new Error(`${metadataRoot} holds several datasets with split '${split}' (${found.join(', ')}): choose one with --dataset`);
}

function fromMetadataRoot(metadataRoot: string, split: string, dataset: string | undefined, options: LocateOptions): WsolLocation {
  const name = pickDataset(metadataRoot, split, dataset);
  const imagesRoot = options.images ?? path.join(path.dirname(metadataRoot), 'dataset');
  const imageRoot = datasetFolder(path.resolve(imagesRoot), name);
  if (!isDir(imageRoot)) {
    throw new Error(`${imageRoot}: no image folder for dataset '${name}' (give the folder holding ${name}/ with --images)`);
  }
  const maskRoot = options.masks === undefined ? imageRoot : datasetFolder(path.resolve(options.masks), name);
  const classesFile = path.join(metadataRoot, name, 'classes.txt');
  const location: WsolLocation = {
    dataset: name,
    split,
    metadataDir: path.join(metadataRoot, name, split),
    imageRoot,
    maskRoot,
    classesFile: fs.existsSync(classesFile) ? classesFile : undefined,
  };
  const companion = path.join(metadataRoot, `${name}-masks`, split);
  if (!hasSplit(companion)) return location;
  const companionRoot = datasetFolder(path.resolve(imagesRoot), `${name}-masks`);
  return { ...location, masks: { ...location, dataset: `${name}-masks`, metadataDir: companion, imageRoot: companionRoot, maskRoot: companionRoot } };
}

/** The project's earlier layout: `<root>/metadata/<split>/`, images and masks under `<root>`. */
function legacy(root: string, split: string): WsolLocation {
  const classesFile = path.join(root, 'metadata', 'classes.txt');
  return {
    dataset: '',
    split,
    metadataDir: path.join(root, 'metadata', split),
    imageRoot: root,
    maskRoot: root,
    classesFile: fs.existsSync(classesFile) ? classesFile : undefined,
  };
}

/**
 * Finds the metadata, image and mask folders of a split (see the module notes for the layouts).
 * `data` may be wsolevaluation's repository root (or any folder with `metadata/` and `dataset/`),
 * its `metadata/` folder, a split folder `metadata/<DATASET>/<split>`, or a project export.
 *
 * @example
 * ```ts
 * locateWsolDataset({ data: 'wsolevaluation', dataset: 'CUB', split: 'test' });
 * locateWsolDataset({ metadata: 'wsolevaluation/metadata', images: '/data/wsol', dataset: 'OpenImages', split: 'test' });
 * ```
 * @throws Error saying what was looked for where, and which datasets exist when the name is ambiguous.
 */
export function locateWsolDataset(options: LocateOptions): WsolLocation {
  const { split, dataset } = splitAndDataset(options);
  if (options.metadata !== undefined) return fromMetadataRoot(path.resolve(options.metadata), split, dataset, options);
  if (options.data === undefined) throw new Error('give the dataset folder (--data), or --metadata and --images');
  const data = path.resolve(options.data);
  if (!isDir(data)) throw new Error(`${data}: no such folder`);
  const metadataRoot = path.join(data, 'metadata');
  if (datasetsWithSplit(metadataRoot, split).length > 0 || (dataset !== undefined && isDir(path.join(metadataRoot, dataset)))) {
    return fromMetadataRoot(metadataRoot, split, dataset, { ...options, images: options.images ?? path.join(data, 'dataset') });
  }
  if (hasSplit(path.join(metadataRoot, split))) return legacy(data, split);
  if (datasetsWithSplit(data, split).length > 0) return fromMetadataRoot(data, split, dataset, options);
  if (hasSplit(data)) {
    // the split folder itself: <metadata root>/<DATASET>/<split>
    return fromMetadataRoot(path.dirname(path.dirname(data)), path.basename(data), dataset ?? path.basename(path.dirname(data)), options);
  }
  throw new Error(
    `${data}: no split '${split}' found — looked for ${path.join('metadata', '<DATASET>', split, IDS)} ` +
      `(wsolevaluation's layout), ${path.join('<DATASET>', split, IDS)}, ${path.join('metadata', split, IDS)} and ${IDS}`,
  );
}

/** A short description of where a split was found, for the terminal. */
export function describeLocation(location: WsolLocation): string {
  const name = location.dataset === '' ? location.split : `${location.dataset}/${location.split}`;
  return `${name} (metadata ${location.metadataDir}, images ${location.imageRoot}${location.masks ? `, masks ${location.masks.metadataDir}` : ''})`;
}
