// The validating resolver: what makes admin's DNSSEC start-up gate pass on a cluster whose DNS
// does not validate.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { synthesize } from '../../src/chart/synth.js';
import { exampleConfig } from '../../src/config/example.js';

type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any };
const objects = synthesize({ ...exampleConfig, cluster: { podCidr: '10.42.0.0/16', podCidr6: 'fd00:42::/56', serviceCidr6: 'fd00:43::/112', serviceCidr: '10.43.0.0/16' } }).objects as Obj[];
const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'mailu-resolver-config')!;
const deploy = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'mailu-resolver')!;
const conf = cm.data!['unbound.conf']!;

describe('resolver (unbound)', () => {
  it('validates DNSSEC from the root trust anchors, seeded before unbound starts', () => {
    assert.match(conf, /auto-trust-anchor-file: "\/var\/lib\/unbound\/root\.key"/);
    assert.deepEqual(cm.data!['root.ds']!.trim().split('\n').map((l) => l.split(' ')[3]), ['20326', '38696']);
    const cmd = deploy.spec.template.spec.containers[0].command.join(' ');
    assert.ok(cmd.indexOf('cp /etc/unbound-k8s/root.ds /var/lib/unbound/root.key') < cmd.indexOf('exec unbound -d'));
  });

  it('answers only the pod networks, and forwards the (unsigned) cluster domain to the cluster DNS', () => {
    assert.match(conf, /access-control: 0\.0\.0\.0\/0 refuse/);
    assert.match(conf, /access-control: 10\.42\.0\.0\/16 allow/);
    assert.match(conf, /access-control: fd00:42::\/56 allow/);
    assert.match(conf, /domain-insecure: "cluster\.local"/);
    assert.match(conf, /forward-zone:\n {2}name: "cluster\.local\."\n {2}forward-addr: 10\.43\.0\.10/);
  });

  it('serves on the fixed ClusterIP every Mailu pod uses as its only nameserver', () => {
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'mailu-resolver')!;
    assert.equal(svc.spec.clusterIP, '10.43.0.53');
    for (const d of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'mailu-resolver')) {
      assert.deepEqual(d.spec.template.spec.dnsConfig.nameservers, ['10.43.0.53'], d.metadata.name);
      assert.equal(d.spec.template.spec.dnsPolicy, 'None');
    }
  });

  it('the generated unbound.conf is accepted by unbound-checkconf when installed', (t) => {
    if (spawnSync('unbound-checkconf', ['-h'], { encoding: 'utf8' }).error) return t.skip('unbound-checkconf not installed (Debian: unbound)');
    const dir = mkdtempSync(join(tmpdir(), 'unbound-'));
    try {
      // Point the anchor file somewhere that exists here; everything else is checked as generated.
      writeFileSync(join(dir, 'root.key'), cm.data!['root.ds']!);
      writeFileSync(join(dir, 'unbound.conf'), conf.replace('/var/lib/unbound/root.key', join(dir, 'root.key')));
      execFileSync('unbound-checkconf', [join(dir, 'unbound.conf')], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
