// Synthesis to text, in memory: the CLI writes the result atomically, tests read it directly.
import { App } from 'cdk8s';
import type { MailuConfig, MailuConfigInput } from '../config/schema.js';
import { MailuChart } from './mailu-chart.js';
import { operatorImageNotes } from './operator-image.js';
import { toYamlDocument } from './yaml-out.js';

export interface SynthResult {
  chart: MailuChart;
  /** Every Kubernetes object, in a stable order. */
  objects: Record<string, unknown>[];
  /** Relative path → content. Either one multi-document file or one file per object. */
  files: Record<string, string>;
  warnings: string[];
}

const toYaml = (o: Record<string, unknown>) => toYamlDocument(o);

/** File name for one object in --split mode: <kind>-<name>.yaml, lower case. */
export function objectFileName(o: Record<string, unknown>): string {
  const meta = o.metadata as { name: string };
  return `${String(o.kind).toLowerCase()}-${meta.name}.yaml`;
}

export function synthesize(config: MailuConfigInput | MailuConfig, opts: { split?: boolean } = {}): SynthResult {
  const app = new App({ outdir: '.' });
  const chart = new MailuChart(app, 'mailu', { config });
  const objects = chart.toJson() as Record<string, unknown>[];
  const files: Record<string, string> = {};
  if (opts.split) {
    const names: string[] = [];
    for (const o of objects) {
      const name = objectFileName(o);
      files[name] = toYaml(o);
      names.push(name);
    }
    files['kustomization.yaml'] = toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: names,
    });
  } else {
    files['mailu.k8s.yaml'] = objects.map(toYaml).join('---\n');
  }
  Object.assign(files, chart.extraFiles);
  return { chart, objects, files, warnings: [...chart.warnings, ...operatorImageNotes(chart.config.dns.operator)] };
}
