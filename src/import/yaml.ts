// The imported config as a YAML file a person reviews: our usual key order, a comment above each
// key naming the chart value(s) it came from, and TODO comments where a value must be checked.
import { Document, isMap, isPair, isScalar, type Pair, type YAMLMap } from 'yaml';
import type { ImportResult } from './index.js';
import { formatPaths } from './report.js';

const ORDER = ['instance', 'namespace', 'domain', 'hostnames', 'postmaster', 'timezone', 'mailu', 'cluster', 'components', 'database', 'redis', 'secrets', 'tls', 'storage', 'resources', 'exposure', 'web', 'egress', 'dns'];

const STORAGE_ORDER = ['mode', 'helmChart', 'sharedClaimName', 'storageClass', 'sizes', 'sharedSize'];

function ordered(config: Record<string, unknown>, order = ORDER): Record<string, unknown> {
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = Object.keys(config).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, k === 'storage' && order === ORDER ? ordered(config[k] as Record<string, unknown>, STORAGE_ORDER) : config[k]]));
}

/** The pair at a dotted path, or at its deepest existing ancestor. */
function pairAt(doc: Document, path: string): Pair | undefined {
  let map = doc.contents as YAMLMap | null;
  let found: Pair | undefined;
  for (const seg of path.split('.')) {
    if (!map || !isMap(map)) break;
    const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg) as Pair | undefined;
    if (!pair) break;
    found = pair;
    map = pair.value as YAMLMap | null;
  }
  return found;
}

function addComment(pair: Pair | undefined, text: string): void {
  if (!pair || !isScalar(pair.key)) return;
  const prev = pair.key.commentBefore;
  if (prev?.split('\n').includes(` ${text}`)) return;
  pair.key.commentBefore = prev ? `${prev}\n ${text}` : ` ${text}`;
}

export function importedConfigYaml(result: ImportResult, source: string): string {
  const doc = new Document(ordered(result.config as Record<string, unknown>));
  doc.commentBefore = [
    ` mailu-k8s config imported from the Mailu Helm chart's values: ${source}`,
    ` (release ${result.release}, namespace ${result.namespace}). Review it, the TODO lines first,`,
    ' and the report import-helm printed; then follow the README\'s "Migrating from the Helm chart".',
    ' No secret value is in this file: it names Secrets, and the report prints how to fill them.',
  ].join('\n');
  for (const e of result.report.entries) {
    const to = e.to[0];
    if (to === undefined) continue;
    if (e.status === 'placeholder') addComment(pairAt(doc, to), `TODO: ${formatPaths(e.chart)} ${e.note}`);
    else addComment(pairAt(doc, to), `from the chart's ${formatPaths(e.chart)}${e.implied ? ' (its default)' : ''}`);
  }
  addComment(pairAt(doc, 'cluster'), 'TODO: add serviceCidr, your cluster\'s service range, unless it is k3s\'s 10.43.0.0/16 (the default)');
  return doc.toString({ lineWidth: 0 });
}
