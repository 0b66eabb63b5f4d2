// dns.operator.mailuApi in the config and the chart: the refusals naming the field, the token only
// as a secretKeyRef (admin's API switched on in admin alone when the token is the operator's), and
// the network path operator → admin's port, nothing more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, EnvVar } from 'kubernetes-types/core/v1.js';
import { ConfigError } from '../../src/config/errors.js';
import { mailuApiUrl } from '../../src/model/mailu-api.js';
import { settingsFromConfig } from '../../src/operator/settings.js';
import { parseConfig } from '../../src/validation/index.js';
import { cfg, mayConnect, podIn, render, INTERNET } from '../support/chart-helpers.js';
import { validateAll } from '../support/schema.js';

const OP = { enabled: true, mailuApi: { enabled: true, secret: { name: 'mailu-api', key: 'token' } } };

function withApi(over: Record<string, unknown> = {}, op: Record<string, unknown> = OP) {
  return cfg({ dns: { operator: op }, exposure: { mode: 'loadBalancer' }, egress: { mode: 'relay', host: 'relay.example.net', spfInclude: ['_spf.example.net'] }, ...over } as never);
}

function refusals(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const env = (c: Container, name: string): EnvVar | undefined => c.env?.find((e) => e.name === name);

describe('dns.operator.mailuApi: config', () => {
  it('refuses it without the operator, without admin, without a token Secret, or with a second token, naming the field', () => {
    assert.match(refusals(withApi({}, { enabled: false, mailuApi: OP.mailuApi })).join('\n'), /^dns\.operator\.mailuApi\.enabled: .*dns\.operator\.enabled/m);
    assert.match(refusals(withApi({ components: { admin: false } })).join('\n'), /^dns\.operator\.mailuApi\.enabled: .*components\.admin/m);
    assert.match(refusals(withApi({}, { enabled: true, mailuApi: { enabled: true } })).join('\n'), /^dns\.operator\.mailuApi\.secret: .*secrets\.apiToken/m);
    assert.match(
      refusals(withApi({ secrets: { apiToken: { name: 'other', key: 'api-token' } } })).join('\n'),
      /^dns\.operator\.mailuApi\.secret: Mailu has one API token/m,
    );
    assert.deepEqual(refusals(withApi()), [], 'the operator may run for Mailu\'s domains alone (load balancer, relay)');
    // Static addresses stay the A/AAAA's source; the operator keeps Mailu's domains beside them.
    const staticAddresses = { dns: { addresses: ['203.0.113.10', '2001:db8:1::10'], operator: OP } };
    assert.deepEqual(refusals(withApi(staticAddresses)), [], 'a load balancer\'s static addresses with the operator for Mailu\'s domains');
    assert.equal(settingsFromConfig(parseConfig(withApi(staticAddresses))).manageAddress, false, 'the operator leaves the A/AAAA alone');
    assert.match(refusals(withApi({ dns: { addresses: ['203.0.113.10'], operator: { enabled: true } }, exposure: { mode: 'hostPort' }, egress: { mode: 'nodeIps', addresses: ['203.0.113.10'] } })).join('\n'), /^dns\.addresses: .*nothing else to keep/m);
    assert.deepEqual(refusals(withApi({ secrets: { apiToken: { name: 'mailu-api', key: 'token' } } })), []);
  });

  it('defaults: 60 s interval, 10 s timeout, no key generation', () => {
    const c = parseConfig(withApi());
    assert.deepEqual({ ...c.dns.operator.mailuApi, secret: undefined }, { enabled: true, secret: undefined, intervalSeconds: 60, timeoutSeconds: 10, generateDkim: false });
    assert.equal(mailuApiUrl(c), 'http://mailu-admin.mailu.svc.cluster.local:8080/api/v1');
  });
});

describe('dns.operator.mailuApi: chart', () => {
  it('the operator reads the token from the Secret; admin alone gets API=true and the token; front keeps the API closed', () => {
    const r = render(withApi());
    assert.deepEqual(validateAll(r.objects), []);
    const op = r.container('dns-operator');
    assert.deepEqual(env(op, 'MAILU_API_TOKEN'), { name: 'MAILU_API_TOKEN', valueFrom: { secretKeyRef: { name: 'mailu-api', key: 'token' } } });
    const admin = r.container('admin');
    assert.deepEqual(env(admin, 'API'), { name: 'API', value: 'true' });
    assert.deepEqual(env(admin, 'API_TOKEN'), { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'mailu-api', key: 'token' } } });
    assert.equal(r.env().API, 'false', 'front reads API from the shared ConfigMap: no public /api route');
    assert.equal(env(r.container('front'), 'API'), undefined);
    assert.ok(!JSON.stringify(r.objects).includes('test-api-token'), 'no token value anywhere');
  });

  it('with secrets.apiToken the operator uses that token and admin is wired as before (once)', () => {
    const r = render(withApi({ secrets: { apiToken: { name: 'mailu-api', key: 'token' } } }, { enabled: true, mailuApi: { enabled: true } }));
    assert.deepEqual(env(r.container('dns-operator'), 'MAILU_API_TOKEN')?.valueFrom, { secretKeyRef: { name: 'mailu-api', key: 'token' } });
    assert.equal(r.container('admin').env?.filter((e) => e.name === 'API_TOKEN').length, 1);
    assert.equal(r.env().API, 'true');
  });

  it('NetworkPolicies: the operator reaches admin on 8080 (and cluster DNS) only; without mailuApi not even that', () => {
    const r = render(withApi());
    const pols = r.policies();
    const op = r.pod('dns-operator');
    assert.ok(mayConnect(pols, op, r.pod('admin'), 8080));
    assert.ok(mayConnect(pols, op, podIn('kube-system', { 'k8s-app': 'kube-dns' }), 53, 'UDP'));
    for (const c of ['front', 'smtp', 'imap', 'antispam', 'redis']) assert.ok(!mayConnect(pols, op, r.pod(c), 8080), c);
    assert.ok(!mayConnect(pols, op, r.pod('admin'), 80));
    assert.ok(!mayConnect(pols, op, INTERNET, 8080));
    assert.ok(!mayConnect(pols, r.pod('front'), r.pod('dns-operator'), 8081));
    const without = render(cfg({ dns: { operator: { enabled: true } } } as never));
    assert.ok(!mayConnect(without.policies(), without.pod('dns-operator'), without.pod('admin'), 8080));
    assert.equal(env(without.container('dns-operator'), 'MAILU_API_TOKEN'), undefined);
    assert.equal(env(without.container('admin'), 'API'), undefined);
  });

  it('workloads.dnsOperator.env may not set MAILU_API_TOKEN', () => {
    assert.match(refusals(withApi({ workloads: { dnsOperator: { env: { MAILU_API_TOKEN: 'x' } } } })).join('\n'), /workloads\.dnsOperator\.env\.MAILU_API_TOKEN/);
  });
});
