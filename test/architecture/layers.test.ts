// Imports only run down the layers: cli → chart/operator/doctor → validation → dns → model → config.
// A module may import its own layer and the ones below, never one above.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/chart-helpers.js';

const RANK: Record<string, number> = { config: 0, model: 1, dns: 2, validation: 3, chart: 4, operator: 4, doctor: 4, diagram: 4, import: 4, cli: 5 };
const SRC = join(REPO_ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const layerOf = (file: string): string | undefined => relative(SRC, file).split('/')[0];

describe('layering', () => {
  it('every src folder has a rank', () => {
    for (const n of readdirSync(SRC)) if (statSync(join(SRC, n)).isDirectory()) assert.ok(n in RANK, `${n} has no place in the layer order`);
  });
  it('no module imports a layer above its own', () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      const from = layerOf(f)!;
      if (!(from in RANK)) continue; // src/index.ts: the package entry point re-exports every layer
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)) {
        const to = layerOf(resolve(dirname(f), m[1]!));
        if (to && to in RANK && RANK[to]! > RANK[from]!) bad.push(`${relative(SRC, f)} → ${m[1]}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
