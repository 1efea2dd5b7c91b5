/**
 * A summary of the runtime a notebook runs on: backend, library versions, machine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendReport } from './backend';

/** What {@link describeEnvironment} reports. */
export interface EnvironmentReport {
  readonly backend: string;
  readonly backendReason: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly machine: { readonly platform: string; readonly arch: string; readonly cpus: number; readonly memoryGiB: number };
}

function packageVersion(name: string): string {
  // Some packages (sharp) do not export their package.json: walk up from the resolved entry file.
  try {
    let dir = path.dirname(require.resolve(name));
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // fall through
  }
  return 'not installed';
}

/** Reports the active backend (after `initBackend`), library versions and the machine. */
export function describeEnvironment(): EnvironmentReport {
  const report = backendReport();
  return {
    backend: report?.name ?? `${tf.getBackend()} (initBackend was not called)`,
    backendReason: report?.reason ?? 'tfjs default',
    versions: {
      node: process.version,
      '@tensorflow/tfjs': tf.version.tfjs,
      '@tensorflow/tfjs-node': packageVersion('@tensorflow/tfjs-node'),
      '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
      tslab: packageVersion('tslab'),
      'typescript (tslab)': packageVersion('@tslab/typescript-for-tslab'),
      sharp: packageVersion('sharp'),
      'plotly.js-dist-min': packageVersion('plotly.js-dist-min'),
    },
    machine: {
      platform: os.platform(),
      arch: os.arch(),
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
  };
}

/** The report as a Markdown table. */
export function environmentMarkdown(report: EnvironmentReport = describeEnvironment()): string {
  const rows = [
    ['backend', `**${report.backend}** — ${report.backendReason}`],
    ...Object.entries(report.versions),
    ['machine', `${report.machine.platform}/${report.machine.arch}, ${report.machine.cpus} cores, ${report.machine.memoryGiB} GiB`],
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
