// The operator as a process: probes and metrics over HTTP, JSON logs, SIGTERM with lease release.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { pod } from '../support/kube-fixtures.js';
import { Cluster, GUARD_MS, waitFor } from '../support/operator-harness.js';

describe('operator process', () => {
  it('serves /healthz, /readyz (503 until the caches sync) and /metrics', async () => {
    const c = await new Cluster().start();
    try {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1'] }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      c.api.startOutage();
      const op = await c.startOperator({ wait: false });
      const base = `http://127.0.0.1:${op.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      c.api.endOutage();
      await waitFor('ready', () => op.ready);
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      await waitFor('record', () => c.targets().length === 1);
      await c.settle(op);
      const res = await fetch(`${base}/metrics`);
      assert.match(String(res.headers.get('content-type')), /^text\/plain/);
      const text = await res.text();
      for (const name of [
        'mailu_dns_operator_reconciles_total{result="ok"}',
        'mailu_dns_operator_errors_total{kind="watch"}',
        'mailu_dns_operator_writes_total{record="address",op="create"} 1',
        'mailu_dns_operator_last_success_timestamp_seconds',
        'mailu_dns_operator_published_targets{record="address",family="ipv4"} 1',
        'mailu_dns_operator_published_target_info{record="address",target="203.0.113.1"} 1',
        'mailu_dns_operator_reconcile_duration_seconds_bucket{le="0.05"}',
        'mailu_dns_operator_leader 1',
      ]) {
        assert.ok(text.includes(name), `metrics lack ${name}`);
      }
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await c.stop();
    }
  });

  it('runs as `mailu-k8s operator` from a kubeconfig and config file; SIGTERM releases the lease and exits 0', async () => {
    const c = await new Cluster().start();
    try {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1'] }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const dir = mkdtempSync(join(tmpdir(), 'operator-cli-'));
      const configPath = join(dir, 'config.yaml');
      writeFileSync(
        configPath,
        stringify({
          domain: 'example.com',
          hostnames: ['mail.example.com'],
          cluster: { podCidr: '10.42.0.0/16' },
          tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
          dns: { operator: { enabled: true, leaseDurationSeconds: 15 } },
        }),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/operator-child.ts', c.api.writeKubeconfig(), configPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: '' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const holder = () => (c.api.get('leases', 'mailu', 'mailu-dns-operator')?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
      try {
        // A child process loads the whole CLI through tsx first: a guard for a slow machine.
        await waitFor('child leads', () => holder() === 'child-pod', 2 * GUARD_MS);
        await waitFor('record', () => c.targets().join() === '203.0.113.1');
      } catch (e) {
        child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}\nstdout: ${out}\nstderr: ${err}`);
      }
      child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, `exit code; stderr: ${err}`);
      assert.equal(holder(), '', 'lease released');
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
      assert.ok(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string'), 'JSON log lines');
      const msgs = lines.map((l) => l.msg);
      for (const m of ['DNS operator starting', 'acquired the lease: this replica now writes', 'stopping', 'released the lease', 'DNS operator stopped']) {
        assert.ok(msgs.includes(m), `log lacks "${m}": ${msgs.join(' | ')}`);
      }
    } finally {
      await c.stop();
    }
  });
});
