/**
 * Reads a whole Keras model file — its configuration and every weight, by layer and weight name — for
 * `--arch auto` (issue 18). Two containers (Chollet et al., Keras, https://keras.io):
 *
 * - `.h5` of `model.save('x.h5')` (Keras 2 and Keras 3's legacy HDF5 format): the root attribute
 *   `model_config` holds the JSON configuration; weights are under `model_weights/<layer>/` with the
 *   `weight_names` attribute listing `<leaf layer>/<weight>` (`:0` suffix in Keras 2); a nested model's
 *   group lists the weights of all its inner layers;
 * - `.keras` of Keras 3 (`model.save('x.keras')`): a zip whose stored member `config.json` holds the
 *   configuration and `model.weights.h5` the weights as `layers/<key>/vars/<i>` (index order = Keras'
 *   variable order), the layer's name in the `name` attribute of its `vars` group, a nested model's
 *   layers under `layers/<key>/layers/…`.
 *
 * A weights-only file (`save_weights`, the keras.applications downloads) has no configuration:
 * {@link readKerasModelFile} then returns undefined, and the caller needs `--arch`.
 */
import { checkHdf5Header } from './hdf5Header';
import { checkHdf5Structure } from './hdf5Structure';
import { KERAS_WEIGHTS_MEMBER, isZipArchive, storedZipMember } from './kerasArchive';
import { DatasetReader, JsfiveNode, KerasH5Error, attrStrings, guard, openHdf5 } from './readKerasH5';
import { SourceTensor } from './sourceNet';

/** The configuration member of a `.keras` archive. */
export const KERAS_CONFIG_MEMBER = 'config.json';

/** A weight of a Keras file: its values, its short name (`kernel`, `gamma`; undefined in `.keras`) and where it was read. */
export interface NamedSourceTensor extends SourceTensor {
  readonly name: string | undefined;
  readonly path: string;
}

/** A serialised Keras object: `{ class_name, config, … }` (Keras 3 adds `module`, `registered_name`, …). */
export interface KerasObjectConfig {
  readonly class_name: string;
  readonly config: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** A Keras model file read whole. */
export interface KerasModelFile {
  /** `h5` (legacy HDF5 whole-model file) or `keras` (Keras 3 zip). */
  readonly container: 'h5' | 'keras';
  /** The Keras version that wrote it, when recorded. */
  readonly kerasVersion: string | undefined;
  /** The model's configuration, as the file holds it. */
  readonly config: KerasObjectConfig;
  /** The weights of each weight-carrying leaf layer (nested models' layers included), in file order. */
  readonly weights: ReadonlyMap<string, readonly NamedSourceTensor[]>;
}

/**
 * Reads the configuration and the weights of a Keras `.h5` or `.keras` model file.
 *
 * @returns undefined when the file holds weights only (no `model_config`, no `config.json`).
 * @throws Error naming the file for a truncated or malformed container, an unparsable configuration,
 *   a layer whose weights appear twice.
 */
export function readKerasModelFile(file: Uint8Array, fileName = 'model'): KerasModelFile | undefined {
  if (isZipArchive(file)) return readKerasArchive(file, fileName);
  const superblock = checkHdf5Header(file, fileName);
  checkHdf5Structure(file, superblock, fileName);
  return guard(() => readLegacyModel(file, fileName), fileName, 'reading the Keras model');
}

function readKerasArchive(file: Uint8Array, fileName: string): KerasModelFile | undefined {
  let configBytes: Uint8Array;
  try {
    configBytes = storedZipMember(file, KERAS_CONFIG_MEMBER, fileName);
  } catch (error) {
    if (/no member config\.json/.test((error as Error).message)) return undefined;
    throw error;
  }
  const config = parseConfig(new TextDecoder().decode(configBytes), `${fileName}:${KERAS_CONFIG_MEMBER}`);
  // A copy: the HDF5 reader needs the member as a whole ArrayBuffer (a Node Buffer's slice() is a view).
  const weightsBytes = new Uint8Array(storedZipMember(file, KERAS_WEIGHTS_MEMBER, fileName));
  const weightsName = `${fileName}:${KERAS_WEIGHTS_MEMBER}`;
  const superblock = checkHdf5Header(weightsBytes, weightsName);
  checkHdf5Structure(weightsBytes, superblock, weightsName);
  const weights = guard(() => readKeras3Weights(weightsBytes, weightsName), weightsName, 'reading the weights');
  const metadata = tryStoredMember(file, 'metadata.json', fileName);
  const kerasVersion = metadata === undefined ? undefined : (parseJson(metadata, fileName) as { keras_version?: string }).keras_version;
  return { container: 'keras', kerasVersion, config, weights };
}

function tryStoredMember(file: Uint8Array, name: string, fileName: string): string | undefined {
  try {
    return new TextDecoder().decode(storedZipMember(file, name, fileName));
  } catch {
    return undefined;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KerasH5Error(`${what}: the model configuration is not valid JSON (${(error as Error).message})`);
  }
}

function parseConfig(text: string, what: string): KerasObjectConfig {
  const config = parseJson(text, what) as KerasObjectConfig;
  if (typeof config !== 'object' || config === null || typeof config.class_name !== 'string' || typeof config.config !== 'object') {
    throw new KerasH5Error(`${what}: the model configuration has no class_name/config`);
  }
  return config;
}

function readLegacyModel(file: Uint8Array, fileName: string): KerasModelFile | undefined {
  const root = openHdf5(file, fileName);
  const configText = attrStrings(root, 'model_config')?.[0];
  if (configText === undefined) return undefined;
  const config = parseConfig(configText, `${fileName}: attribute model_config`);
  const group = (root.keys ?? []).includes('model_weights') ? root.get('model_weights') : root;
  const reader = new DatasetReader(file, fileName);
  const weights = new Map<string, NamedSourceTensor[]>();
  for (const layerName of attrStrings(group, 'layer_names') ?? []) {
    const layerGroup = guard(() => group.get(layerName), fileName, `opening the group of layer '${layerName}'`);
    for (const weightName of attrStrings(layerGroup, 'weight_names') ?? []) {
      const parts = weightName.replace(/:\d+$/, '').split('/');
      const leaf = parts.length >= 2 ? parts[parts.length - 2] : layerName;
      const path = `${layerName}/${weightName}`;
      const node = guard(() => layerGroup.get(weightName), fileName, `opening dataset '${path}'`);
      if (isIntegerDataset(node)) continue;
      addWeight(weights, leaf, { ...reader.read(node, path), name: parts[parts.length - 1], path }, fileName);
    }
  }
  const kerasVersion = attrStrings(root, 'keras_version')?.[0] ?? attrStrings(group, 'keras_version')?.[0];
  return { container: 'h5', kerasVersion, config, weights };
}

/**
 * Integer variables (Normalization's sample `count`, random-seed states) are bookkeeping, not weights
 * tfjs has: they are skipped. Keras stores them last in their layer, so the order of the rest holds.
 */
function isIntegerDataset(node: JsfiveNode): boolean {
  return typeof node.dtype === 'string' && /^[<>|]?[iu]\d$/.test(node.dtype);
}

function addWeight(weights: Map<string, NamedSourceTensor[]>, layer: string, tensor: NamedSourceTensor, fileName: string): void {
  const list = weights.get(layer) ?? [];
  if (tensor.name !== undefined && list.some((t) => t.name === tensor.name)) {
    throw new KerasH5Error(`${fileName}: layer '${layer}' has the weight '${tensor.name}' twice (${tensor.path}); layer names must be unique across nested models`);
  }
  list.push(tensor);
  weights.set(layer, list);
}

function readKeras3Weights(file: Uint8Array, fileName: string): Map<string, NamedSourceTensor[]> {
  const root = openHdf5(file, fileName);
  const reader = new DatasetReader(file, fileName);
  const weights = new Map<string, NamedSourceTensor[]>();
  const visit = (group: JsfiveNode, path: string): void => {
    if (!(group.keys ?? []).includes('layers')) return;
    const layers = guard(() => group.get('layers'), fileName, `opening ${path}layers`);
    for (const key of guard(() => layers.keys ?? [], fileName, `listing ${path}layers`)) {
      const layerPath = `${path}layers/${key}`;
      const layerGroup = guard(() => layers.get(key), fileName, `opening ${layerPath}`);
      const keys = layerGroup.keys ?? [];
      if (keys.includes('vars')) {
        const vars = guard(() => layerGroup.get('vars'), fileName, `opening ${layerPath}/vars`);
        const name = attrStrings(vars, 'name')?.[0] ?? key;
        const indices = (vars.keys ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        if (indices.length > 0 && weights.has(name)) {
          throw new KerasH5Error(`${fileName}: two layers named '${name}' carry weights (${layerPath}); layer names must be unique across nested models`);
        }
        for (const i of indices) {
          const node = guard(() => vars.get(i), fileName, `opening ${layerPath}/vars/${i}`);
          if (isIntegerDataset(node)) continue;
          addWeight(weights, name, { ...reader.read(node, `${layerPath}/vars/${i}`), name: undefined, path: `${layerPath}/vars/${i}` }, fileName);
        }
      }
      visit(layerGroup, `${layerPath}/`);
    }
  };
  visit(root, '');
  return weights;
}
