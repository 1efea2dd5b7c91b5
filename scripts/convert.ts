/**
 * npm run convert -- <model.h5|model.keras> --out weights/<name>   (any Keras model: --arch auto)
 * npm run convert -- --from caffe|keras <file> --arch vgg16|vgg16-gap --out weights/<name>
 *
 * Converts a Keras model file with its own configuration, or a Caffe .caffemodel / Keras weights file
 * onto VGG16 / VGG16-GAP, into a tfjs layers folder with manifest.json
 * (see src/convert/cli.ts). Starts the fastest backend first (WSOL_BACKEND forces one). `npm run convert`
 * runs it with `tsx --expose-gc`, so that the source file's bytes are freed before the folder is reloaded.
 */
import { initBackend } from '../src/backend';
import { parseConvertArgs, runConvertCli } from '../src/convert/cli';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  parseConvertArgs(argv); // refuse bad arguments before starting TensorFlow
  const backend = await initBackend();
  console.log(`backend: ${backend.name}`);
  await runConvertCli(argv);
}

main().catch((error: unknown) => {
  console.error(`convert: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
