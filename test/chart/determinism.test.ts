// Determinism and the output files: the same config always gives the same bytes; --split gives
// one file per object and a kustomization listing exactly those; every file parses back to the
// objects. (The binary's output and `kubectl kustomize` are checked in test/cli.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { objectFileName, synthesize } from '../../src/chart/synth.js';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig } from '../../src/validation/index.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { cfg } from '../support/chart-helpers.js';

const CONFIGS: Record<string, MailuConfigInput> = {
  example: exampleConfig,
  'traefik + cnpg + cilium + everything': cfg({
    components: { webdav: true, fetchmail: true, tika: true },
    database: { type: 'cnpg' },
    exposure: { mode: 'traefik', ports: [25, 465, 587, 993, 995, 4190], traefik: { trustedProxyCidrs: ['10.42.3.0/24'] } },
    web: { kind: 'traefik', realIpFrom: ['10.42.3.0/24'] },
    egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, publicIPs: ['203.0.113.25'] },
  }),
  'loadBalancer + gateway API + relay, dual stack': cfg({
    cluster: { podCidr: '10.42.0.0/16', podCidr6: 'fd42::/56', serviceCidr6: 'fd43::/112' },
    exposure: { mode: 'loadBalancer', ports: [465, 587, 993], loadBalancer: { proxyProtocol: { trustedCidrs: ['10.0.5.0/24'] }, annotations: { 'lb.example.com/x': 'y' } } },
    web: { kind: 'gatewayApi', parentRef: { name: 'gw' } },
    egress: { mode: 'relay', host: 'relay.example.net', secret: { name: 'relay' } },
  }),
};

describe('determinism', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: two syntheses are byte-identical, split or not`, () => {
      for (const split of [false, true]) {
        const a = synthesize(config, { split });
        const b = synthesize(structuredClone(config), { split });
        assert.deepEqual(Object.keys(a.files), Object.keys(b.files));
        for (const f of Object.keys(a.files)) assert.equal(a.files[f], b.files[f], `${f} differs between runs`);
      }
    });

    it(`${name}: raw input and the parsed config give the same output (the CLI passes the latter)`, () => {
      assert.deepEqual(synthesize(parseConfig(config)).files, synthesize(config).files);
      assert.deepEqual(parseConfig(parseConfig(config)), parseConfig(config), 'parsing is idempotent');
    });

    it(`${name}: the single file holds every object, in order`, () => {
      const r = synthesize(config);
      const manifests = Object.keys(r.files).filter((f) => f !== 'traefik-values.yaml');
      assert.deepEqual(manifests, ['mailu.k8s.yaml']);
      const docs = parseAllDocuments(r.files['mailu.k8s.yaml']!).map((d) => {
        assert.deepEqual(d.errors, []);
        return d.toJS() as unknown;
      });
      assert.deepEqual(docs, r.objects);
    });

    it(`${name}: --split writes one file per object and a kustomization listing exactly those`, () => {
      const r = synthesize(config, { split: true });
      const objectFiles = Object.keys(r.files).filter((f) => f !== 'kustomization.yaml' && f !== 'traefik-values.yaml');
      assert.equal(objectFiles.length, r.objects.length, 'no two objects share a file name');
      const k = parse(r.files['kustomization.yaml']!) as { apiVersion: string; kind: string; resources: string[] };
      assert.equal(k.kind, 'Kustomization');
      assert.equal(k.apiVersion, 'kustomize.config.k8s.io/v1beta1');
      assert.deepEqual([...k.resources].sort(), [...objectFiles].sort());
      assert.equal(new Set(k.resources).size, k.resources.length);
      for (const [i, o] of r.objects.entries()) {
        const file = objectFileName(o);
        assert.deepEqual(parse(r.files[file]!), o, `${file} holds object #${i}`);
        assert.match(file, /^[a-z0-9][a-z0-9.-]*\.yaml$/, 'portable file name');
      }
      // Same objects as the single-file form.
      assert.deepEqual(r.objects, synthesize(config).objects);
    });
  }

  it('different configs give different output (the comparison above can fail)', () => {
    const a = synthesize(cfg()).files['mailu.k8s.yaml'];
    const b = synthesize(cfg({ mailu: { logLevel: 'INFO' } })).files['mailu.k8s.yaml'];
    assert.notEqual(a, b);
  });
});
