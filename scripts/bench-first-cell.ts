/**
 * npm run bench:first-cell [-- rounds] — how long a notebook's first cell takes in JupyterLab
 * (00_environment's: import the library, start the backend), and how long opening the notebook takes
 * until its kernel is idle, for three set-ups run in turn, round after round (so that load drifts
 * hit them alike):
 *   - `./src/index`: tslab type-checks and compiles all of src/ in the cell (what notebooks did before);
 *   - `./dist/index` without the kernel's warm-up (WSOL_KERNEL_WARM=0);
 *   - `./dist/index` with it (the default).
 * Prints every run, the medians and the load average. Needs what the JupyterLab check needs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { labProblem, startLab } from '../test/helpers/jupyterlab';
import { ROOT } from '../test/helpers/notebooks';

const SETUPS = [
  { name: "import './src/index'", from: './src/index', env: { WSOL_KERNEL_WARM: '0' } },
  { name: "import './dist/index', no warm-up", from: './dist/index', env: { WSOL_KERNEL_WARM: '0' } },
  { name: "import './dist/index' (default)", from: './dist/index', env: {} },
] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A folder holding 00_environment.ipynb with its import pointed at `from`. */
function notebookFolder(from: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsol-first-cell-'));
  const source = fs.readFileSync(path.join(ROOT, 'notebooks', '00_environment.ipynb'), 'utf8');
  fs.writeFileSync(path.join(folder, 'first_cell.ipynb'), source.replace("from './dist/index'", `from '${from}'`));
  return folder;
}

async function main(): Promise<void> {
  const problem = labProblem();
  if (problem) throw new Error(problem);
  const rounds = Number(process.argv[2] ?? 3);
  const results = SETUPS.map(() => ({ first: [] as number[], open: [] as number[] }));
  for (let round = 1; round <= rounds; round++) {
    for (const [i, setup] of SETUPS.entries()) {
      const folder = notebookFolder(setup.from);
      const lab = await startLab({ notebooks: folder, env: setup.env });
      try {
        const nb = await lab.openNotebook('first_cell.ipynb');
        await nb.runAll();
        await nb.waitIdle();
        const errors = await nb.errors();
        if (errors.length > 0) throw new Error(`${setup.name}: ${errors[0].text}`);
        const [first] = await nb.cellSeconds();
        results[i].first.push(first);
        results[i].open.push(nb.openSeconds);
        console.log(`round ${round} · ${setup.name}: notebook open (kernel idle) ${nb.openSeconds.toFixed(1)} s, first cell ${first.toFixed(2)} s`);
        await nb.close();
      } finally {
        await lab.stop();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    }
  }
  console.log(`\nmedians over ${rounds} rounds (load average ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}, ${os.cpus().length} cores):`);
  for (const [i, setup] of SETUPS.entries()) {
    console.log(`  ${setup.name.padEnd(36)} first cell ${median(results[i].first).toFixed(2)} s   open ${median(results[i].open).toFixed(1)} s`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
