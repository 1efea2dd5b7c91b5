import sharp from 'sharp';
import { createBenchmark, allStyles } from './src/bench/generator';
import { readIconSet } from './src/bench/assets';
(async () => {
  const t0 = Date.now();
  const bench = await createBenchmark({ styles: allStyles(readIconSet()), looks: 'varied' });
  console.log('ready', Date.now() - t0, 'ms');
  const tiles = [];
  for (let i = 0; i < 32; i++) {
    const s = bench.sample('train', i);
    tiles.push({ input: await sharp(Buffer.from(s.image), { raw: { width: 128, height: 128, channels: 3 } }).png().toBuffer(), left: (i % 8) * 128, top: Math.floor(i / 8) * 128 });
  }
  await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#fff' } }).composite(tiles).png().toFile('/tmp/i17-varied.png');
  const t1 = Date.now(); for (let i = 0; i < 500; i++) bench.sample('train', i); console.log('500 samples', Date.now() - t1, 'ms');
})();
