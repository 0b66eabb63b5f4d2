// k3s first run: the distribution preset fills in k3s's defaults (explicit values win), one setting
// says where Traefik runs for mail and web alike, and the packaged Traefik gets its values as a
// HelmChartConfig valid against k3s's own CRD.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { buildModel } from '../../src/model/index.js';
import { assertValid, BASE, ingressAllows, podIn, render, type Rendered } from '../support/chart-helpers.js';
import { dns1123Label } from '../support/k8s-names.js';
import { strictify } from '../support/schema.js';

const CRD_FILE = new URL('../fixtures/k3s-helm-controller/helm.cattle.io_helmchartconfigs.yaml', import.meta.url);

/** A k3s config that leaves every cluster fact to the preset. */
function k3s(over: Partial<MailuConfigInput> = {}, cluster: Record<string, unknown> = {}): MailuConfigInput {
  const { cluster: _dropped, ...rest } = BASE;
  return { ...rest, cluster: { distribution: 'k3s', ...cluster }, ...over } as MailuConfigInput;
}
type Exposure = NonNullable<MailuConfigInput['exposure']>;
const traefikMail: Extract<Exposure, { mode: 'traefik' }> = { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/16'] } };

/** The HelmChartConfig schema from k3s's helm-controller CRD, strict (unknown fields fail). */
function helmChartConfigValidator() {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, 'utf8')).map((d) => d.toJS()).find((d) => d?.kind === 'CustomResourceDefinition');
  assert.equal(crd.spec.group, 'helm.cattle.io');
  assert.equal(crd.spec.scope, 'Namespaced');
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1');
  const schema = structuredClone(version.schema.openAPIV3Schema);
  strictify(schema);
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

function checkHelmChartConfig(doc: Record<string, unknown>): string[] {
  const validate = helmChartConfigValidator();
  const errors = validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  // The CRD says only `metadata: {type: object}`: the API server still wants a name and a namespace.
  const meta = doc.metadata as Record<string, unknown>;
  for (const k of Object.keys(meta)) if (!['name', 'namespace', 'labels', 'annotations'].includes(k)) errors.push(`metadata.${k}: unknown`);
  for (const k of ['name', 'namespace'] as const) {
    const msg = typeof meta[k] === 'string' ? dns1123Label(meta[k] as string) : 'missing';
    if (msg) errors.push(`metadata.${k}: ${msg}`);
  }
  return errors;
}

const helmChartConfig = (r: Rendered) => {
  const text = r.result.files['traefik-helmchartconfig.yaml'];
  assert.ok(text, `traefik-helmchartconfig.yaml written; files: ${Object.keys(r.result.files).join(', ')}`);
  const docs = parseAllDocuments(text!);
  assert.equal(docs.length, 1, 'one object');
  return docs[0]!.toJS() as { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: { valuesContent: string } };
};

describe('cluster.distribution k3s', () => {
  it('fills in the pod CIDR, service CIDR, cluster DNS and Traefik namespace (podCidr not required)', () => {
    const m = buildModel(parseConfig(k3s()));
    assert.equal(m.config.cluster.podCidr, '10.42.0.0/16');
    assert.equal(m.config.cluster.serviceCidr, '10.43.0.0/16');
    assert.equal(m.clusterDnsIp, '10.43.0.10');
    assert.equal(m.config.cluster.traefikNamespace, 'kube-system');
    assert.equal(m.trust.subnet, '10.42.0.0/16', 'SUBNET is the pod CIDR k3s uses');
  });

  it('explicit values win over the preset', () => {
    const c = parseConfig(k3s({}, { podCidr: '10.52.0.0/16', serviceCidr: '10.53.0.0/16', dnsServiceIp: '10.53.0.20', traefikNamespace: 'traefik' }));
    assert.deepEqual(
      { pod: c.cluster.podCidr, svc: c.cluster.serviceCidr, dns: buildModel(c).clusterDnsIp, traefik: c.cluster.traefikNamespace },
      { pod: '10.52.0.0/16', svc: '10.53.0.0/16', dns: '10.53.0.20', traefik: 'traefik' },
    );
  });

  it('generic (the default) still requires the pod CIDR and keeps Traefik in namespace traefik', () => {
    assert.throws(
      () => parseConfig({ ...BASE, cluster: {} }),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'cluster.podCidr' && /required.*distribution: k3s/.test(i.message)),
    );
    const c = parseConfig(BASE);
    assert.equal(c.cluster.distribution, 'generic');
    assert.equal(c.cluster.traefikNamespace, 'traefik');
  });

  it('an unknown distribution is refused with the choices', () => {
    assert.throws(
      () => parseConfig(k3s({}, { distribution: 'k8s' })),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'cluster.distribution' && /"generic", "k3s"/.test(i.message)),
    );
  });

  it('the parsed config (what the operator reads back) parses again to itself', () => {
    const once = parseConfig(k3s({ exposure: traefikMail, web: { kind: 'traefik' } }));
    assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(once))), once);
  });

  it('hostPort with front serving the web warns about the packaged Traefik holding 80/443', () => {
    const warned = (c: MailuConfigInput) => parseConfigWithWarnings(c).warnings.some((w) => /packaged Traefik holds ports 80 and 443/.test(w));
    assert.equal(warned(k3s()), true);
    assert.equal(warned(k3s({ web: { kind: 'traefik' } })), false, 'web through Traefik: front binds no 80/443');
    assert.equal(warned(BASE), false, 'not on generic');
  });
});

describe('Traefik namespace: one setting for mail and web', () => {
  const cases: [string, MailuConfigInput, string][] = [
    ['k3s default', k3s({ exposure: traefikMail, web: { kind: 'traefik' } }), 'kube-system'],
    ['generic default', { ...BASE, exposure: traefikMail, web: { kind: 'traefik' } }, 'traefik'],
    ['explicit', { ...BASE, cluster: { ...BASE.cluster, traefikNamespace: 'edge' }, exposure: traefikMail, web: { kind: 'traefik' } } as MailuConfigInput, 'edge'],
  ];
  for (const [name, config, ns] of cases) {
    it(`${name}: front admits Traefik's namespace (${ns}) on the mail ports and on 80, no other namespace`, async (t) => {
      const r = render(config);
      const policies = r.policies();
      const traefikPod = podIn(ns, { 'app.kubernetes.io/name': 'traefik' });
      const elsewhere = podIn(ns === 'traefik' ? 'kube-system' : 'traefik', { 'app.kubernetes.io/name': 'traefik' });
      for (const port of [25, 465, 587, 993, 80]) {
        assert.equal(ingressAllows(policies, traefikPod, r.pod('front'), port), true, `${ns} → front:${port}`);
        assert.equal(ingressAllows(policies, elsewhere, r.pod('front'), port), false, `other namespace → front:${port}`);
      }
      await assertValid(t, r.objects);
    });
  }

  it('web through Traefik with hostPort mail: port 80 admitted from Traefik\'s namespace only', () => {
    const r = render(k3s({ web: { kind: 'traefik' } }));
    assert.equal(ingressAllows(r.policies(), podIn('kube-system'), r.pod('front'), 80), true);
    assert.equal(ingressAllows(r.policies(), podIn('traefik'), r.pod('front'), 80), false);
  });

  for (const [path, config] of [
    ['exposure.traefik.namespace', { ...BASE, exposure: { ...traefikMail, traefik: { ...traefikMail.traefik, namespace: 'kube-system' } } }],
    ['web.namespace', { ...BASE, web: { kind: 'traefik', namespace: 'kube-system' } }],
  ] as const) {
    it(`the old key ${path} is refused with a pointer to cluster.traefikNamespace`, () => {
      assert.throws(
        () => parseConfig(config),
        (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === path && /moved to cluster\.traefikNamespace/.test(i.message)),
      );
    });
  }
});

describe('Traefik values on k3s: a HelmChartConfig', () => {
  it('is valid against k3s helm-controller\'s CRD and targets the packaged chart', () => {
    const hcc = helmChartConfig(render(k3s({ exposure: traefikMail, web: { kind: 'traefik' } })));
    assert.deepEqual(checkHelmChartConfig(hcc), []);
    assert.equal(hcc.apiVersion, 'helm.cattle.io/v1');
    assert.equal(hcc.kind, 'HelmChartConfig');
    assert.deepEqual(hcc.metadata, { name: 'traefik', namespace: 'kube-system' });
  });

  it('the validator catches a wrong shape (unknown field, values not a string)', () => {
    const hcc = helmChartConfig(render(k3s({ exposure: traefikMail, web: { kind: 'traefik' } })));
    assert.notDeepEqual(checkHelmChartConfig({ ...hcc, spec: { valuesContent: { ports: {} } } }), []);
    assert.notDeepEqual(checkHelmChartConfig({ ...hcc, spec: { ...hcc.spec, valueContent: 'x' } }), []);
    assert.notDeepEqual(checkHelmChartConfig({ ...hcc, metadata: { name: 'traefik' } }), []);
  });

  it('carries exactly the values a Traefik Helm release would get, and replaces the loose values file', () => {
    const mail = { ...traefikMail, traefik: { ...traefikMail.traefik, loadBalancerProxyCidrs: ['192.0.2.0/28'] } };
    const onK3s = render(k3s({ exposure: mail, web: { kind: 'traefik' } }));
    const elsewhere = render({ ...BASE, exposure: mail, web: { kind: 'traefik' } });
    const values = parse(elsewhere.result.files['traefik-values.yaml']!);
    assert.deepEqual(parse(helmChartConfig(onK3s).spec.valuesContent), values);
    assert.equal(values.service.spec.externalTrafficPolicy, 'Local');
    assert.deepEqual(Object.keys(values.ports).sort(), ['imaps', 'smtp', 'submission', 'submissions'].sort());
    assert.equal(onK3s.result.files['traefik-values.yaml'], undefined, 'no values file on k3s');
    assert.equal(elsewhere.result.files['traefik-helmchartconfig.yaml'], undefined, 'no HelmChartConfig elsewhere');
  });

  it('is not a manifest object: absent from mailu.k8s.yaml and from kustomization.yaml', () => {
    const r = render(k3s({ exposure: traefikMail, web: { kind: 'traefik' } }), { split: true });
    assert.ok(r.result.files['traefik-helmchartconfig.yaml']);
    assert.equal(r.objects.some((o) => o.kind === 'HelmChartConfig'), false);
    assert.ok(!(parse(r.result.files['kustomization.yaml']!).resources as string[]).some((f) => /helmchartconfig/.test(f)));
  });

  it('a k3s cluster running its own Traefik elsewhere gets the values file instead', () => {
    const r = render(k3s({ exposure: traefikMail, web: { kind: 'traefik' } }, { traefikNamespace: 'traefik' }));
    assert.ok(r.result.files['traefik-values.yaml']);
    assert.equal(r.result.files['traefik-helmchartconfig.yaml'], undefined);
  });
});
