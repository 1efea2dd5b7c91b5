/**
 * The train / val / test splits of the synthetic benchmark, by photograph.
 *
 * 42 photographs in `assets/backgrounds/`, split by hand: 18 train, 4 val, 20 test. **No test
 * photograph is used in training or validation**, and the shipped models are trained from scratch
 * on the train split alone (weights/README.md). The test split holds scenes, a portrait,
 * close-ups, text, microscopy, a world map, colour and greyscale (Poly Haven, scikit-image, SciPy,
 * Matplotlib, scikit-learn, Xplanet samples), so a model must hold up on backgrounds unlike its
 * training ones. No photograph comes from Debian's wallpaper packages (lomiri-wallpapers,
 * lxqt-themes, mate-backgrounds, plasma-workspace-wallpapers): held-out evaluation sets are built
 * from those, so nothing here may be trained, tuned or tested on them. The splits differ in
 * photographs only; art styles are chosen by `BenchmarkOptions.styles` (protocol: weights/README.md).
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
  val: ['polyhaven_park', 'polyhaven_lab', 'ski_hubble', 'pywt_aero'],
  test: [
    'polyhaven_forest', 'polyhaven_night', 'polyhaven_studio', 'polyhaven_venice',
    'ski_coffee', 'ski_brick', 'xplanet_earth', 'ski_page',
    'ski_text', 'ski_cell', 'ski_clock', 'ski_retina', 'ski_ihc', 'ski_microaneurysms', 'ski_moon',
    'mpl_grace_hopper', 'skl_china', 'skl_flower', 'scipy_face', 'scipy_ascent',
  ],
};

/** Checks that `name` is a split, naming the valid ones otherwise. */
export function assertSplit(name: string): asserts name is Split {
  if (!(SPLITS as readonly string[]).includes(name)) {
    throw new RangeError(`unknown split '${name}': expected one of ${SPLITS.join(', ')}`);
  }
}
