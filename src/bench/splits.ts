/**
 * The train / val / test splits of the synthetic benchmark, by photograph.
 *
 * The 35 photographs are split once, by hand and stratified by source, so that each split has
 * panoramas, scikit-image samples (colour and greyscale) and wallpapers: 23 train, 4 val, 8 test.
 * **No test photograph is used in train or val**, so test accuracy measures generalisation to
 * unseen scenes. Both icon art styles (`noto`, `fluent-emoji-flat`) appear in every split: with
 * only two styles, holding one out would measure style transfer rather than localization.
 */

/** The three splits of the benchmark. */
export const SPLITS = ['train', 'val', 'test'] as const;

/** Name of a benchmark split. */
export type Split = (typeof SPLITS)[number];

/** The photographs (ids of `assets/backgrounds/manifest.json`) of each split. */
export const BACKGROUND_SPLITS: Readonly<Record<Split, readonly string[]>> = {
  train: [
    'polyhaven_apartment', 'polyhaven_bridge', 'polyhaven_city', 'polyhaven_dawn',
    'polyhaven_esplanade', 'polyhaven_hall', 'polyhaven_lobby', 'polyhaven_sky',
    'polyhaven_sunrise', 'polyhaven_sunset', 'polyhaven_warehouse', 'polyhaven_workshop',
    'ski_astronaut', 'ski_rocket', 'ski_camera', 'ski_grass', 'ski_gravel', 'ski_coins',
    'lomiri_fig', 'lomiri_brushes', 'lomiri_aitzgorri', 'lomiri_life', 'lomiri_seeding',
  ],
  val: ['polyhaven_park', 'polyhaven_lab', 'ski_hubble', 'lomiri_picos'],
  test: [
    'polyhaven_forest', 'polyhaven_night', 'polyhaven_studio', 'polyhaven_venice',
    'ski_coffee', 'ski_brick', 'lomiri_wine', 'lomiri_sunset',
  ],
};

/** Checks that `name` is a split, naming the valid ones otherwise. */
export function assertSplit(name: string): asserts name is Split {
  if (!(SPLITS as readonly string[]).includes(name)) {
    throw new RangeError(`unknown split '${name}': expected one of ${SPLITS.join(', ')}`);
  }
}
