/**
 * The train / val / test splits of the synthetic benchmark, by photograph.
 *
 * 47 photographs in `assets/backgrounds/`, split by hand: 18 train, 4 val, 20 test. **No test
 * photograph has ever been used in training or validation** — neither by these splits nor by the
 * first shipped models (trained on the 23 photographs of the splits before issue 17, whose weights
 * the current models start from): the test split is the eight test photographs of those splits
 * plus twelve photographs added since (scikit-image, SciPy, Matplotlib, scikit-learn samples:
 * scenes, portraits, close-ups, microscopy, colour and greyscale). The five `lomiri-wallpapers`
 * photographs the first models trained on are in no split any more ({@link RETIRED_BACKGROUNDS}):
 * held-out evaluation sets are built from that package, so nothing trains on it. The splits differ
 * in photographs only; art styles are chosen by `BenchmarkOptions.styles` (protocol:
 * weights/README.md).
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
  ],
  val: ['polyhaven_park', 'polyhaven_lab', 'ski_hubble', 'lomiri_picos'],
  test: [
    'polyhaven_forest', 'polyhaven_night', 'polyhaven_studio', 'polyhaven_venice',
    'ski_coffee', 'ski_brick', 'lomiri_wine', 'lomiri_sunset',
    'ski_text', 'ski_cell', 'ski_clock', 'ski_retina', 'ski_ihc', 'ski_microaneurysms', 'ski_moon',
    'mpl_grace_hopper', 'skl_china', 'skl_flower', 'scipy_face', 'scipy_ascent',
  ],
};

/**
 * Photographs of `assets/backgrounds/` in no split: the `lomiri-wallpapers` photographs the first
 * shipped models were trained on (see the module comment).
 */
export const RETIRED_BACKGROUNDS: readonly string[] = [
  'lomiri_fig', 'lomiri_brushes', 'lomiri_aitzgorri', 'lomiri_life', 'lomiri_seeding',
];

/** Checks that `name` is a split, naming the valid ones otherwise. */
export function assertSplit(name: string): asserts name is Split {
  if (!(SPLITS as readonly string[]).includes(name)) {
    throw new RangeError(`unknown split '${name}': expected one of ${SPLITS.join(', ')}`);
  }
}
