// TLS: who terminates HTTPS decides TLS_FLAVOR; the certificate covers every name clients use;
// front mounts the whole kubernetes.io/tls Secret so renewals reach it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { parseConfig } from '../../src/validation/index.js';
import { planDns } from '../../src/dns/plan.js';
import { cfg, numList, render, type Manifest, type Rendered } from '../support/chart-helpers.js';

interface Certificate extends Manifest {
  spec: { secretName: string; dnsNames: string[]; commonName?: string; issuerRef: { name: string; kind: string; group: string } };
}

const WEBS = {
  none: { kind: 'none' as const },
  ingress: { kind: 'ingress' as const, className: 'nginx' },
  traefik: { kind: 'traefik' as const },
  gatewayApi: { kind: 'gatewayApi' as const, parentRef: { name: 'public' } },
};

function webRoutePort(r: Rendered): { service: string; port: number } | undefined {
  const name = `${r.instance}-web`;
  const ing = r.find('Ingress', name) as unknown as Ingress | undefined;
  if (ing) {
    const ports = ing.spec!.rules!.flatMap((rule) => rule.http!.paths.map((p) => p.backend.service!));
    assert.ok(ports.every((s) => s.name === ports[0]!.name && s.port?.number === ports[0]!.port?.number), 'one backend for every host');
    return { service: ports[0]!.name, port: ports[0]!.port!.number! };
  }
  const ir = r.find('IngressRoute', name) as (Manifest & { spec: { routes: { services: { name: string; port: number }[] }[] } }) | undefined;
  if (ir) {
    const s = ir.spec.routes[0]!.services[0]!;
    return { service: s.name, port: s.port };
  }
  const hr = r.find('HTTPRoute', name) as (Manifest & { spec: { rules: { backendRefs: { name: string; port: number }[] }[] } }) | undefined;
  if (hr) return { service: hr.spec.rules[0]!.backendRefs[0]!.name, port: hr.spec.rules[0]!.backendRefs[0]!.port };
  return undefined;
}

describe('TLS_FLAVOR', () => {
  for (const [kind, web] of Object.entries(WEBS)) {
    it(`web ${kind}: ${kind === 'none' ? 'cert (front serves HTTPS itself)' : 'mail (HTTP behind the proxy, backend port 80)'}`, () => {
      const r = render(cfg({ web }));
      const env = r.env();
      const frontPorts = (r.container('front').ports ?? []).map((p) => p.containerPort);
      if (kind === 'none') {
        assert.equal(env.TLS_FLAVOR, 'cert');
        assert.ok(numList(env.PORTS).includes(443));
        assert.ok(frontPorts.includes(443));
        assert.equal(webRoutePort(r), undefined);
      } else {
        // `mail` serves plain HTTP on 80 without redirecting: the proxy already did TLS, so no loop.
        assert.equal(env.TLS_FLAVOR, 'mail');
        assert.ok(!numList(env.PORTS).includes(443));
        assert.ok(!frontPorts.includes(443), 'front opens no HTTPS listener behind a proxy');
        assert.deepEqual(webRoutePort(r), { service: `${r.instance}-front`, port: 80 });
        assert.ok(r.service(`${r.instance}-front`).spec?.ports?.some((p) => p.port === 80 && p.targetPort === 80));
      }
    });
  }

  it('mail in Traefik mode without a web route: front answers no HTTPS, so nothing may redirect to it', () => {
    const r = render(cfg({ exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.3.0/24'] } }, web: WEBS.none }));
    assert.equal(r.env().TLS_FLAVOR, 'mail');
    assert.ok(!numList(r.env().PORTS).includes(443));
    assert.ok(!(r.container('front').ports ?? []).some((p) => p.containerPort === 443));
  });

  it('notls when tls.source is none: no certificate, no mount, no TLS file names, no 443', () => {
    for (const web of Object.values(WEBS)) {
      const r = render(cfg({ tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25] }, web }));
      const env = r.env();
      assert.equal(env.TLS_FLAVOR, 'notls');
      assert.equal(env.TLS_CERT_FILENAME, undefined);
      assert.equal(env.TLS_KEYPAIR_FILENAME, undefined);
      // 4190 only for webmail's internal sieve listener (never published: no TLS, it carries passwords)
      assert.deepEqual(numList(env.PORTS), env.WEBMAIL === 'none' ? [25, 80] : [25, 80, 4190]);
      assert.ok(!(r.container('front').ports ?? []).some((p) => p.containerPort === 4190), '4190 is not a published container port');
      assert.equal(r.all('Certificate').length, 0);
      assert.ok(!(r.podSpec('front').volumes ?? []).some((v) => v.secret), 'no certificate volume');
      const ing = r.find('Ingress', `${r.instance}-web`) as unknown as Ingress | undefined;
      if (ing) assert.equal(ing.spec?.tls, undefined);
      const ir = r.find('IngressRoute', `${r.instance}-web`) as (Manifest & { spec: { tls?: unknown } }) | undefined;
      if (ir) assert.equal(ir.spec.tls, undefined);
    }
  });
});

describe('certificate', () => {
  it('covers every hostname plus autoconfig., autodiscover. (and mta-sts. with MTA-STS on) of the domain', () => {
    const r = render(cfg({ hostnames: ['mail.example.com', 'smtp.example.com', 'mx.example.org'] }));
    const certs = r.all('Certificate') as Certificate[];
    assert.equal(certs.length, 1);
    const c = certs[0]!;
    for (const n of ['mail.example.com', 'smtp.example.com', 'mx.example.org', 'autoconfig.example.com', 'autodiscover.example.com']) {
      assert.ok(c.spec.dnsNames.includes(n), `dnsNames has ${n}`);
    }
    assert.ok(!c.spec.dnsNames.includes('mta-sts.example.com'), 'no mta-sts name while MTA-STS is off (the plan does not publish it)');
    assert.equal(new Set(c.spec.dnsNames).size, c.spec.dnsNames.length, 'no duplicates');
    assert.equal(c.spec.dnsNames[0], 'mail.example.com', 'the primary hostname first');
    assert.deepEqual(c.spec.issuerRef, { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  it('lists only names the DNS plan publishes (or that are the configured hostnames), MTA-STS on or off', () => {
    for (const enabled of [false, true]) {
      const config = cfg({ hostnames: ['mail.example.com', 'smtp.example.com'], dns: { addresses: ['203.0.113.10'], mtaSts: { enabled } } });
      const names = (render(config).all('Certificate')[0] as Certificate).spec.dnsNames;
      const plan = planDns(parseConfig(config));
      const published = new Set(plan.records.filter((x) => ['A', 'AAAA', 'CNAME'].includes(x.type)).map((x) => x.name));
      for (const n of names) {
        assert.ok(published.has(n) || (config.hostnames as string[]).includes(n), `${n} (MTA-STS ${enabled}) is published by the plan or is a configured hostname`);
      }
      assert.equal(names.includes('mta-sts.example.com'), enabled);
      for (const alias of ['autoconfig.example.com', 'autodiscover.example.com']) assert.ok(published.has(alias) && names.includes(alias), alias);
    }
  });

  it('the web route answers for the same names', () => {
    for (const web of [WEBS.ingress, WEBS.traefik, WEBS.gatewayApi]) {
      const r = render(cfg({ web }));
      const names = (r.all('Certificate')[0] as Certificate).spec.dnsNames;
      const route = r.get(web.kind === 'ingress' ? 'Ingress' : web.kind === 'traefik' ? 'IngressRoute' : 'HTTPRoute', `${r.instance}-web`) as Manifest & { spec: Record<string, unknown> };
      let hosts: string[];
      if (web.kind === 'ingress') {
        hosts = (route as unknown as Ingress).spec!.rules!.map((x) => x.host!);
        assert.deepEqual((route as unknown as Ingress).spec!.tls, [{ hosts: names, secretName: `${r.instance}-tls` }]);
      } else if (web.kind === 'traefik') {
        const match = (route.spec.routes as { match: string }[])[0]!.match;
        hosts = [...match.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1]!);
        assert.deepEqual(route.spec.tls, { secretName: `${r.instance}-tls` });
      } else {
        hosts = route.spec.hostnames as string[];
      }
      assert.deepEqual([...hosts].sort(), [...names].sort(), web.kind);
    }
  });

  it('uses the configured secretName; tls.source secret makes no Certificate', () => {
    const named = render(cfg({ tls: { source: 'certManager', issuer: { name: 'ca', kind: 'Issuer' }, secretName: 'mail-cert' } }));
    const c = named.all('Certificate')[0] as Certificate;
    assert.equal(c.spec.secretName, 'mail-cert');
    assert.equal(c.spec.issuerRef.kind, 'Issuer');
    assert.equal(named.podSpec('front').volumes?.find((v) => v.secret)?.secret?.secretName, 'mail-cert');

    const own = render(cfg({ tls: { source: 'secret', secretName: 'my-tls' } }));
    assert.equal(own.all('Certificate').length, 0);
    assert.equal(own.podSpec('front').volumes?.find((v) => v.secret)?.secret?.secretName, 'my-tls');
    assert.equal(own.env().TLS_FLAVOR, 'cert');
  });
});

describe('certificate mount', () => {
  it('mounts the whole Secret (no subPath, so renewals arrive) and names its files', () => {
    const r = render(cfg());
    const vol = r.podSpec('front').volumes?.find((v) => v.secret?.secretName === `${r.instance}-tls`);
    assert.ok(vol, 'front has the TLS Secret as a volume');
    assert.equal(vol.secret?.items, undefined, 'every key of the Secret');
    const mounts = (r.container('front').volumeMounts ?? []).filter((m) => m.name === vol.name);
    assert.equal(mounts.length, 1);
    assert.equal(mounts[0]!.subPath, undefined, 'a subPath mount never sees renewals');
    assert.equal(mounts[0]!.mountPath, '/certs', 'where Mailu looks');
    assert.equal(mounts[0]!.readOnly, true);
    const env = r.env();
    // kubernetes.io/tls Secrets hold tls.crt and tls.key; Mailu's defaults are cert.pem/key.pem.
    assert.equal(env.TLS_CERT_FILENAME, 'tls.crt');
    assert.equal(env.TLS_KEYPAIR_FILENAME, 'tls.key');
    // Only front needs the certificate.
    for (const comp of r.components()) {
      if (comp !== 'front') assert.ok(!(r.podSpec(comp).volumes ?? []).some((v) => v.secret?.secretName === `${r.instance}-tls`), comp);
    }
  });
});
