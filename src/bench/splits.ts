/**
 * The train / val / test splits of the synthetic benchmark, by photograph.
 *
 * The 44 photographs are split once, by hand and stratified by source, so that each split has
 * panoramas and photographs of other kinds (colour and greyscale, scenes, close-ups, microscopy):
 * 20 train, 4 val, 20 test. **No test photograph is used in train or val**, so test accuracy
 * measures generalisation to unseen scenes. All eight wallpapers from Debian's `lomiri-wallpapers`
 * are test photographs: never train on that package (held-out evaluation sets are built from it).
 * The splits differ in photographs only; the art styles are chosen by `BenchmarkOptions.styles`
 * (see generator.ts and weights/README.md for the protocol).
 */

/** The three splits of the benchmark. */
export const SPLITS = ['train', 'val', 'test'] as const;

/** Name of a benchmark split. */
export type Split = (typeof SPLITS)[number];

/** The photographs (ids of `assets/backgrounds/manifest.json`) of each split. */
export const BACKGROUND_SPLITS: Readonly<Record<Split, readonly string[]>> = {
  train: [
    'polyhaven_apartment', 'polyhaven_bridge', 'polyhaven_city', 'polyhaven_dawn',
    'polyhaven_esplanade', 'polyhaven_hall', 'polyhaven_lobby', 'polyhaven_lab',
    'polyhaven_sunrise', 'polyhaven_sunset', 'polyhaven_warehouse', 'polyhaven_workshop',
    'ski_astronaut', 'ski_rocket', 'ski_camera', 'ski_grass', 'ski_gravel', 'ski_clock',
    'ski_text', 'ski_microaneurysms',
  ],
  val: ['polyhaven_sky', 'ski_coins', 'ski_cell', 'skl_flower'],
  test: [
    'polyhaven_forest', 'polyhaven_night', 'polyhaven_studio', 'polyhaven_venice', 'polyhaven_park',
    'ski_coffee', 'ski_brick', 'ski_hubble', 'ski_retina', 'ski_ihc', 'mpl_grace_hopper', 'skl_china',
    'lomiri_fig', 'lomiri_brushes', 'lomiri_wine', 'lomiri_aitzgorri', 'lomiri_life', 'lomiri_picos',
    'lomiri_seeding', 'lomiri_sunset',
  ],
};

/** Checks that `name` is a split, naming the valid ones otherwise. */
export function assertSplit(name: string): asserts name is Split {
  if (!(SPLITS as readonly string[]).includes(name)) {
    throw new RangeError(`unknown split '${name}': expected one of ${SPLITS.join(', ')}`);
  }
}
