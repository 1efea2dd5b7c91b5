#!/usr/bin/env zx
// npm run screenshots — after `npm test`, turn the browser check's full-page screenshots
// (test-output/screenshots/) and the JupyterLab check's pictures of the live widgets
// (test-output/jupyterlab/widget-*.png) into the small PNGs the README shows (docs/screenshots/).
import { fs, path } from 'zx';
import sharp from 'sharp';
import { root } from './lib/paths.mjs';

const from = path.join(root, 'test-output', 'screenshots');
const to = path.join(root, 'docs', 'screenshots');
if (!(await fs.pathExists(from))) {
  console.error(`no ${path.relative(root, from)}: run \`npm test\` first (it needs Chromium)`);
  process.exit(1);
}
await fs.ensureDir(to);
const widgets = path.join(root, 'test-output', 'jupyterlab');
const widgetShots = (await fs.pathExists(widgets)) ? (await fs.readdir(widgets)).filter((f) => /^widget-.*\.png$/.test(f)).map((f) => path.join(widgets, f)) : [];
const pages = (await fs.readdir(from)).filter((f) => f.endsWith('.png')).map((f) => path.join(from, f));
for (const source of [...pages, ...widgetShots].sort()) {
  const out = path.join(to, path.basename(source));
  const tmp = `${out}.tmp`;
  await sharp(source).resize({ width: 520 }).png({ palette: true, quality: 80, effort: 8 }).toFile(tmp);
  await fs.move(tmp, out, { overwrite: true });
  const { size } = await fs.stat(out);
  console.log(`${path.relative(root, out)}: ${(size / 1024).toFixed(0)} KiB`);
}
