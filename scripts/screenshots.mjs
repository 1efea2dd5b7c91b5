#!/usr/bin/env zx
// npm run screenshots — after `npm test`, turn the JupyterLab check's screenshots of each notebook
// run in JupyterLab (test-output/jupyterlab/) into the small PNGs the README shows (docs/screenshots/).
import { fs, path } from 'zx';
import sharp from 'sharp';
import { root } from './lib/paths.mjs';

const from = path.join(root, 'test-output', 'jupyterlab');
const to = path.join(root, 'docs', 'screenshots');
if (!(await fs.pathExists(from))) {
  console.error(`no ${path.relative(root, from)}: run \`npm test\` first (its JupyterLab check needs Chromium)`);
  process.exit(1);
}
await fs.ensureDir(to);
for (const file of (await fs.readdir(from)).filter((f) => f.endsWith('.png') && !f.endsWith('-failure.png')).sort()) {
  const out = path.join(to, file);
  const tmp = `${out}.tmp`;
  await sharp(path.join(from, file)).resize({ width: 520 }).png({ palette: true, quality: 80, effort: 8 }).toFile(tmp);
  await fs.move(tmp, out, { overwrite: true });
  const { size } = await fs.stat(out);
  console.log(`${path.relative(root, out)}: ${(size / 1024).toFixed(0)} KiB`);
}
