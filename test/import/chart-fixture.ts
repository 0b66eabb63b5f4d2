// The vendored Helm chart files (test/fixtures/helm-chart): the values files parsed, and each
// workload template's data mounts read out of the template text itself, so a layout change
// upstream shows up here without anyone restating it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/chart-helpers.js';

export const CHART_DIR = join(REPO_ROOT, 'test', 'fixtures', 'helm-chart');
export const DEFAULT_VALUES_FILE = join(CHART_DIR, 'values.yaml');
export const CI_VALUES_FILE = join(CHART_DIR, 'ci', 'helm-lint-values.yaml');

export const chartText = (rel: string) => readFileSync(join(CHART_DIR, rel), 'utf8');
export const defaultValues = () => parse(chartText('values.yaml')) as Record<string, unknown>;
export const ciValues = () => parse(chartText('ci/helm-lint-values.yaml')) as Record<string, unknown>;

export interface TemplateMounts {
  container: string;
  /** The `data` volume's mounts: folder → mount path. */
  mounts: { subPath: string; mountPath: string }[];
  /** Where the `data` volume comes from: a claim helper of _claims.tpl, or the workload's own claim. */
  claim: { helper: string } | { own: true };
}

/** The chart's workload templates, by the chart's component name. */
export const WORKLOAD_TEMPLATES: Record<string, string> = {
  admin: 'templates/admin/deployment.yaml',
  dovecot: 'templates/dovecot/deployment.yaml',
  postfix: 'templates/postfix/deployment.yaml',
  rspamd: 'templates/rspamd/deployment.yaml',
  webmail: 'templates/webmail/deployment.yaml',
  webdav: 'templates/webdav/deployment.yaml',
  fetchmail: 'templates/fetchmail/deployment.yaml',
  clamav: 'templates/clamav/statefulset.yaml',
};

const indentOf = (l: string) => l.length - l.trimStart().length;

/** The list items (as key → value maps) of a YAML block list starting after `header`, at its indentation. */
function listAfter(lines: string[], header: number): Record<string, string>[] {
  const items: Record<string, string>[] = [];
  let itemIndent = -1;
  for (let i = header + 1; i < lines.length; i++) {
    const l = lines[i]!;
    const t = l.trim();
    if (t === '' || t.startsWith('{{')) continue; // template control lines
    if (t.startsWith('#')) break; // an elision: the list continues out of the excerpt
    if (itemIndent < 0) itemIndent = indentOf(l);
    if (indentOf(l) < itemIndent) break;
    const m = /^(- )?([A-Za-z]+):\s*(.*)$/.exec(t);
    if (!m) continue;
    if (m[1] && indentOf(l) === itemIndent) items.push({});
    items[items.length - 1]![m[2]!] = m[3]!;
  }
  return items;
}

export function templateMounts(rel: string): TemplateMounts {
  const lines = chartText(rel).split('\n');
  const c = lines.findIndex((l) => l.trim() === 'containers:');
  const container = /- name: (\S+)/.exec(lines[c + 1] ?? '')?.[1];
  const vm = lines.findIndex((l, i) => i > c && l.trim() === 'volumeMounts:');
  if (!container || vm < 0) throw new Error(`${rel}: no container or volumeMounts`);
  const mounts = listAfter(lines, vm)
    .filter((m) => m.name === 'data')
    .map((m) => ({ subPath: m.subPath!, mountPath: m.mountPath! }));
  const text = lines.join('\n');
  const helper = /- name: data\n\s+persistentVolumeClaim:\n\s+claimName: \{\{ include "([^"]+)" \. \}\}/.exec(text)?.[1];
  const own = /volumeClaimTemplates:\n\s+- metadata:\n\s+name: data/.test(text);
  if (!helper && !own) throw new Error(`${rel}: the data volume's source is not recognised`);
  return { container, mounts, claim: helper ? { helper } : { own: true } };
}

/** _claims.tpl: the claim helpers that resolve to the single claim when persistence.single_pvc is set. */
export function singleClaimHelpers(): string[] {
  const text = chartText('templates/_claims.tpl');
  return [...text.matchAll(/\{\{ define "([^"]+)" \}\}\n\{\{- if \.Values\.persistence\.single_pvc -\}\}\n\{\{- \(include "mailu\.claimName" \.\) -\}\}/g)].map((m) => m[1]!);
}
