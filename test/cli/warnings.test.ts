// Every command that reads a config prints the same warnings, each exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { BASE, cli, ensureBuilt } from '../support/chart-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-warn-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

const warningsOf = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('warning: '));

describe('warnings', () => {
  it('are printed once per command, and the same by validate, synth, dns plan and doctor', () => {
    // No sending address (config and plan both notice), no A record, an ingress without realIpFrom.
    const config = { ...BASE, egress: { mode: 'nodeIps' }, dns: {}, web: { kind: 'ingress', className: 'nginx' } };
    const file = join(dir, 'c.yaml');
    writeFileSync(file, stringify(config));
    const runs = {
      validate: cli(['validate', '-c', file]),
      synth: cli(['synth', '-c', file, '-o', join(dir, 'out')]),
      plan: cli(['dns', 'plan', '-c', file]),
      doctor: cli(['doctor', '-c', file, '--resolver', '127.0.0.1:9', '--timeout', '100']),
    };
    const sets = Object.entries(runs).map(([name, r]) => {
      const w = warningsOf(r.stderr);
      assert.equal(new Set(w).size, w.length, `${name} repeats a warning:\n${w.join('\n')}`);
      return [name, w] as const;
    });
    const [, first] = sets[0]!;
    assert.ok(first.length >= 3, first.join('\n'));
    assert.equal(first.filter((w) => /SPF/.test(w)).length, 1, `one SPF warning, not two wordings of it:\n${first.join('\n')}`);
    for (const [name, w] of sets) assert.deepEqual(w, first, `${name} prints the same warnings as validate`);
  });
});
