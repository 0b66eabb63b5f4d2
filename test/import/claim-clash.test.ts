// A claim mailu-k8s would create under a name the Helm chart uses is refused (exit 2, nothing
// written), with the way out: storage.mode helmChart, or another name. The helmChart block itself
// is checked for what it must and must not hold.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { helmChartClaimClash, helmChartClaimPattern } from '../../src/config/helm-chart-claims.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { cfg, cli, ensureBuilt } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-claims-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the chart\'s claim names', () => {
  it('match: the single claim, the per-component claims, ClamAV\'s and the subcharts\'', () => {
    for (const n of ['mailu-storage', 'mymail-mailu-storage', 'mailu-dovecot', 'mailu-admin', 'mailu-postfix', 'mailu-rspamd', 'mailu-webmail', 'mailu-webdav', 'mailu-fetchmail', 'data-mailu-clamav-0', 'redis-data-mailu-redis-master-0', 'data-mailu-postgresql-0']) {
      assert.ok(helmChartClaimPattern(n), n);
    }
  });
  it('do not match the names mailu-k8s gives its claims', () => {
    for (const n of ['mailu-shared-data', 'mailu-imap-data', 'mailu-admin-data', 'mailu-antivirus-data', 'mail-volume']) assert.equal(helmChartClaimPattern(n), undefined, n);
  });
  it('the refusal says what to do instead', () => {
    assert.match(helmChartClaimClash('mailu-storage')!, /storage\.mode: helmChart with storage\.helmChart\.claimName: mailu-storage/);
    assert.match(helmChartClaimClash('mailu-storage')!, /choose a name/);
  });
});

describe('storage in the config', () => {
  const refused: [string, MailuConfigInput, string, RegExp][] = [
    ['a shared claim named like the chart\'s single claim', cfg({ storage: { mode: 'shared', sharedClaimName: 'mailu-storage' } }), 'storage.sharedClaimName', /name pattern of the chart's single claim.*storage\.mode: helmChart/],
    ['a shared claim named like a per-component chart claim', cfg({ storage: { mode: 'shared', sharedClaimName: 'mailu-dovecot' } }), 'storage.sharedClaimName', /per-component claim of the chart/],
    ['helmChart without its block', cfg({ storage: { mode: 'helmChart' } }), 'storage.helmChart', /is required with storage\.mode helmChart/],
    ['both claimName and claims', cfg({ storage: { mode: 'helmChart', helmChart: { claimName: 'x', claims: { admin: 'a', imap: 'b', smtp: 'c', antispam: 'd' } } } }), 'storage.helmChart', /one of them/],
    ['claims without imap', cfg({ storage: { mode: 'helmChart', helmChart: { claims: { admin: 'a', smtp: 'c', antispam: 'd' } } } }), 'storage.helmChart.claims.imap', /is required: imap always runs/],
    ['a helmChart block in shared mode', cfg({ storage: { mode: 'shared', helmChart: { claimName: 'mailu-storage' } } }), 'storage.helmChart', /only used with storage\.mode: helmChart/],
    ['sharedClaimName outside shared mode', cfg({ storage: { sharedClaimName: 'mail-volume' } }), 'storage.sharedClaimName', /only used with storage\.mode: shared/],
    ['a claim name that is no name', cfg({ storage: { mode: 'helmChart', helmChart: { claimName: 'Mailu_Storage' } } }), 'storage.helmChart.claimName', /not a valid claim name/],
  ];
  for (const [name, config, path, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.match(messageAt(config, path), message);
    });
  }
});

describe('mailu-k8s synth with a claim of the chart\'s name (built binary)', () => {
  before(() => ensureBuilt());

  it('exits 2 naming the field and the way out, and writes nothing', () => {
    const config = join(dir, 'clash.yaml');
    writeFileSync(config, stringify(cfg({ storage: { mode: 'shared', sharedClaimName: 'mailu-storage' } })));
    const out = join(dir, 'out');
    const r = cli(['synth', '-c', config, '-o', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: storage\.sharedClaimName: mailu-storage has the name pattern of the chart's single claim/m);
    assert.match(r.stderr, /storage\.mode: helmChart/);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(out), 'no output directory');
  });
});
