// NetworkPolicies, judged by what they allow: a default-deny, Mailu's whole call graph allowed,
// and the paths that must stay shut (no internet for helpers, DNS only through the resolver,
// nothing from other namespaces into the back end).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import {
  INTERNET,
  INTERNET6,
  cfg,
  egressAllows,
  ingressAllows,
  mailuCalls,
  mayConnect,
  numList,
  podIn,
  render,
  type Endpoint,
} from '../support/chart-helpers.js';

const FULL = { webdav: true, fetchmail: true, tika: true, antivirus: true, oletools: true } as const;
const PUBLIC_DNS: Endpoint = { ip: '9.9.9.9' };
const KUBE_DNS = podIn('kube-system', { 'k8s-app': 'kube-dns' });
const OTHER_NS = podIn('elsewhere', { app: 'curious' });
const SOME_INTERNET_PORTS = [25, 53, 80, 443, 465, 587, 993, 3306, 5432, 6379, 8080, 11335];

describe('NetworkPolicy evaluator (test infrastructure)', () => {
  const ns = 'n';
  const deny: NetworkPolicy = { metadata: { name: 'deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
  const allowWeb: NetworkPolicy = {
    metadata: { name: 'web', namespace: ns },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443, protocol: 'TCP' }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    },
  };
  const web = podIn(ns, { app: 'web' });
  const db = podIn(ns, { app: 'db' });
  it('no policy: everything allowed; default-deny: nothing', () => {
    assert.equal(mayConnect([], web, db, 5432), true);
    assert.equal(mayConnect([deny], web, db, 5432), false);
    assert.equal(mayConnect([deny], INTERNET, web, 443), false);
  });
  it('allow rules open exactly their ports, peers and protocols', () => {
    const ps = [deny, allowWeb];
    assert.equal(ingressAllows(ps, INTERNET, web, 443), true);
    assert.equal(ingressAllows(ps, INTERNET, web, 80), false);
    assert.equal(ingressAllows(ps, INTERNET, web, 443, 'UDP'), false);
    assert.equal(ingressAllows(ps, { ip: '10.1.2.3' }, web, 443), false, 'except');
    assert.equal(egressAllows(ps, web, db, 5432), true);
    assert.equal(egressAllows(ps, web, podIn('other', { app: 'db' }), 5432), false, 'podSelector alone means the own namespace');
    assert.equal(mayConnect(ps, web, db, 5432), false, 'db itself is still default-denied for ingress');
  });
});

describe('NetworkPolicies of a full deployment', () => {
  const r = render(cfg({ components: FULL }));
  const policies = r.policies();
  const comps = r.components();

  it('start from a default-deny for the whole namespace, both directions', () => {
    const deny = policies.filter((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 || Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length === 0);
    assert.equal(deny.length, 1);
    assert.deepEqual(deny[0]!.spec?.policyTypes?.slice().sort(), ['Egress', 'Ingress']);
    assert.equal(deny[0]!.spec?.ingress, undefined);
    assert.equal(deny[0]!.spec?.egress, undefined);
    assert.ok(policies.every((p) => p.metadata?.namespace === r.namespace));
  });

  it('allow every connection of Mailu\'s call graph', () => {
    const calls = mailuCalls(comps, { port25Proxied: false });
    assert.ok(calls.length > 40, 'the call graph is not empty');
    for (const c of calls) {
      assert.equal(mayConnect(policies, r.pod(c.from), r.pod(c.to), c.port, c.protocol ?? 'TCP'), true, `${c.from} → ${c.to}:${c.port}/${c.protocol ?? 'TCP'}`);
    }
  });

  it('allow what must exist: smtp → internet:25, resolver → DNS, front → admin:8080, antispam → redis', () => {
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 25), true);
    for (const proto of ['UDP', 'TCP']) {
      assert.equal(mayConnect(policies, r.pod('resolver'), PUBLIC_DNS, 53, proto), true, `resolver → internet:53/${proto}`);
      assert.equal(egressAllows(policies, r.pod('resolver'), KUBE_DNS, 53, proto), true, `resolver → cluster DNS/${proto}`);
    }
    assert.equal(mayConnect(policies, r.pod('front'), r.pod('admin'), 8080), true);
    assert.equal(mayConnect(policies, r.pod('antispam'), r.pod('redis'), 6379), true);
    assert.equal(mayConnect(policies, r.pod('antivirus'), INTERNET, 443), true, 'freshclam');
  });

  it('give oletools, tika, redis and admin no internet egress', () => {
    for (const comp of ['oletools', 'tika', 'redis', 'admin']) {
      for (const port of SOME_INTERNET_PORTS) {
        assert.equal(egressAllows(policies, r.pod(comp), INTERNET, port), false, `${comp} → internet:${port}`);
        assert.equal(egressAllows(policies, r.pod(comp), INTERNET6, port), false, `${comp} → internet6:${port}`);
      }
    }
  });

  it('let nothing but the resolver send DNS out of the namespace', () => {
    for (const comp of comps) {
      for (const proto of ['UDP', 'TCP']) {
        const expected = comp === 'resolver';
        assert.equal(egressAllows(policies, r.pod(comp), PUBLIC_DNS, 53, proto), expected, `${comp} → internet:53/${proto}`);
        assert.equal(egressAllows(policies, r.pod(comp), KUBE_DNS, 53, proto), expected, `${comp} → kube-dns:53/${proto}`);
      }
    }
    // Structurally: every egress rule on port 53 that leaves the namespace belongs to the resolver.
    for (const p of policies) {
      for (const rule of p.spec?.egress ?? []) {
        const dns = (rule.ports ?? []).some((x) => x.port === 53);
        const leaves = (rule.to ?? []).some((peer) => peer.ipBlock || peer.namespaceSelector);
        if (dns && leaves) assert.equal(p.spec?.podSelector?.matchLabels?.['app.kubernetes.io/component'], 'resolver', p.metadata?.name);
      }
    }
  });

  it('shut the back end to other namespaces and to the internet', () => {
    for (const comp of comps.filter((c) => c !== 'front' && c !== 'resolver')) {
      for (const port of [25, 80, 110, 143, 2525, 3310, 4190, 5232, 6379, 8080, 9998, 10025, 11332, 11334, 11343]) {
        assert.equal(ingressAllows(policies, OTHER_NS, r.pod(comp), port), false, `elsewhere → ${comp}:${port}`);
        assert.equal(ingressAllows(policies, INTERNET, r.pod(comp), port), false, `internet → ${comp}:${port}`);
      }
    }
    assert.equal(ingressAllows(policies, OTHER_NS, r.pod('resolver'), 53, 'UDP'), false, 'the resolver serves Mailu only');
  });

  it('"the internet" excludes the pod and service CIDRs', () => {
    for (const comp of ['smtp', 'antivirus', 'antispam', 'resolver']) {
      for (const ip of ['10.42.1.5', '10.43.0.20']) {
        for (const port of [25, 443, 53]) assert.equal(egressAllows(policies, r.pod(comp), { ip }, port), false, `${comp} → ${ip}:${port} through an internet rule`);
      }
    }
  });

  it('allow no shortcuts between components outside the call graph', () => {
    assert.equal(mayConnect(policies, r.pod('webmail'), r.pod('redis'), 6379), false);
    assert.equal(mayConnect(policies, r.pod('webmail'), r.pod('admin'), 8080), false);
    assert.equal(mayConnect(policies, r.pod('front'), r.pod('redis'), 6379), false);
    assert.equal(mayConnect(policies, r.pod('oletools'), r.pod('admin'), 8080), false);
    assert.equal(mayConnect(policies, r.pod('imap'), r.pod('smtp'), 25), false);
    assert.equal(mayConnect(policies, r.pod('imap'), INTERNET, 443), false);
    // smtp does reach the internet on 443: postfix's MTA-STS resolver fetches receivers' policies.
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 443), true);
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 80), false);
  });
});

describe('NetworkPolicies across configurations', () => {
  it('with PROXY on 25 (Traefik), sieve/fetchmail mail goes out through the public MX instead of front:25', () => {
    const r = render(cfg({ components: FULL, web: { kind: 'traefik' }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.7.0/24'] } } }));
    assert.ok(numList(r.env().PROXY_PROTOCOL).includes(25));
    const policies = r.policies();
    for (const c of mailuCalls(r.components(), { port25Proxied: true })) {
      assert.equal(mayConnect(policies, r.pod(c.from), r.pod(c.to), c.port, c.protocol ?? 'TCP'), true, `${c.from} → ${c.to}:${c.port}`);
    }
    assert.equal(egressAllows(policies, r.pod('imap'), INTERNET, 25), true);
    assert.equal(egressAllows(policies, r.pod('fetchmail'), INTERNET, 25), true);
    assert.equal(egressAllows(policies, r.pod('imap'), podIn('traefik', {}), 8025), true, 'short-circuited to Traefik\'s pods');
    // front's ClusterIP Service no longer offers 25: every connection there would need a PROXY header.
    assert.ok(!r.service(`${r.instance}-front`).spec?.ports?.some((p) => p.port === 25));
  });

  it('dual stack: IPv6 internet egress for smtp, still none for the helpers', () => {
    const r = render(cfg({ components: FULL, cluster: { podCidr: '10.42.0.0/16', podCidr6: 'fd42::/56', serviceCidr6: 'fd43::/112' } }));
    const policies = r.policies();
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET6, 25), true);
    assert.equal(mayConnect(policies, r.pod('resolver'), { ip: '2620:fe::fe' }, 53, 'UDP'), true);
    for (const comp of ['oletools', 'tika', 'redis', 'admin', 'front']) assert.equal(egressAllows(policies, r.pod(comp), INTERNET6, 443), false, comp);
    assert.equal(egressAllows(policies, r.pod('smtp'), { ip: 'fd42::5' }, 25), false, 'pod CIDR excluded from "internet"');
  });

  it('CloudNativePG: admin and Roundcube reach the database pods, nothing else does', () => {
    const r = render(cfg({ database: { type: 'cnpg' } }));
    const policies = r.policies();
    const db = podIn(r.namespace, { 'cnpg.io/cluster': `${r.instance}-db`, 'cnpg.io/instanceRole': 'primary' });
    assert.equal(mayConnect(policies, r.pod('admin'), db, 5432), true);
    assert.equal(mayConnect(policies, r.pod('webmail'), db, 5432), true);
    assert.equal(mayConnect(policies, r.pod('smtp'), db, 5432), false);
    assert.equal(mayConnect(policies, OTHER_NS, db, 5432), false);
    assert.equal(mayConnect(policies, podIn('cnpg-system', { app: 'cnpg' }), db, 8000), true, 'the CNPG operator checks instance status');
    assert.equal(mayConnect(policies, db, db, 5432), true, 'replication');
    assert.equal(egressAllows(policies, r.pod('admin'), INTERNET, 5432), false, 'admin still has no internet egress');
  });

  it('external database: admin may reach its port and nothing else outside', () => {
    const r = render(cfg({ database: { type: 'postgresql', host: 'db.example.net', secret: { name: 'db' } } }));
    const policies = r.policies();
    assert.equal(egressAllows(policies, r.pod('admin'), INTERNET, 5432), true);
    for (const port of [25, 53, 80, 443, 3306]) assert.equal(egressAllows(policies, r.pod('admin'), INTERNET, port), false, `admin → internet:${port}`);
  });

  it('web ingress namespaces reach front:80 only', () => {
    const r = render(cfg({ web: { kind: 'ingress', className: 'nginx', namespace: 'ingress-nginx' } }));
    const policies = r.policies();
    const ctl = podIn('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' });
    assert.equal(mayConnect(policies, ctl, r.pod('front'), 80), true);
    for (const port of [443, 8080, 2525, 10025]) assert.equal(mayConnect(policies, ctl, r.pod('front'), port), false, `ingress-nginx → front:${port}`);
    assert.equal(mayConnect(policies, ctl, r.pod('admin'), 8080), false);
  });
});

describe('cert-manager HTTP-01 under default-deny', () => {
  const solver = (ns: string) => podIn(ns, { 'acme.cert-manager.io/http01-solver': 'true' });
  it('the ingress controller reaches the solver pods on 8089; nobody else does', () => {
    const r = render(cfg({ web: { kind: 'ingress', className: 'nginx', namespace: 'ingress-nginx', realIpFrom: ['10.42.0.0/24'] } }));
    const policies = r.policies();
    assert.equal(ingressAllows(policies, podIn('ingress-nginx'), solver(r.namespace), 8089), true);
    assert.equal(ingressAllows(policies, podIn('default'), solver(r.namespace), 8089), false);
    assert.equal(ingressAllows(policies, podIn('ingress-nginx'), solver(r.namespace), 8080), false);
    assert.equal(ingressAllows(policies, INTERNET, solver(r.namespace), 8089), false);
  });
  it('without an ingress (or without cert-manager) nothing is opened for a solver', () => {
    for (const config of [cfg({}), cfg({ tls: { source: 'secret', secretName: 'tls' }, web: { kind: 'ingress', className: 'nginx' } })]) {
      const r = render(config);
      assert.equal(ingressAllows(r.policies(), podIn('ingress-nginx'), solver(r.namespace), 8089), false);
    }
  });
});
