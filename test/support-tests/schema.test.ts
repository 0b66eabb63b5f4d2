import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { crdDir, formatPointer, strictify, validateAll, validateManifest } from '../support/schema.js';
import { validCrdManifests, validManifests } from './fixtures.js';

type Obj = Record<string, unknown>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function clone<T>(v: T): T {
  return structuredClone(v);
}

function fixture(kind: string, list: Obj[] = validManifests): Obj {
  const found = list.find((m) => m.kind === kind);
  assert.ok(found, `fixture for ${kind}`);
  return clone(found);
}

/** Walks into a manifest by path segments (object keys / array indexes). */
function at(obj: unknown, ...path: (string | number)[]): Obj {
  let cur: unknown = obj;
  for (const seg of path) cur = (cur as Record<string | number, unknown>)[seg];
  assert.ok(typeof cur === 'object' && cur !== null, `path ${path.join('.')} exists`);
  return cur as Obj;
}

function assertError(errors: string[], path: string, pattern: RegExp): void {
  const hit = errors.find((e) => e.startsWith(`${path}: `) && pattern.test(e));
  assert.ok(hit, `expected an error at ${path} matching ${pattern}, got:\n  ${errors.join('\n  ') || '(none)'}`);
}

// Objects whose keys are data (maps): anything goes there, so they are not probed for strictness.
const MAP_KEYS = new Set(['labels', 'annotations', 'matchLabels', 'data', 'stringData', 'nodeSelector', 'limits', 'requests', 'parameters', 'customResponseHeaders']);

/** Every path to a plain object inside `value` that is a schema object, not a map. */
function objectPaths(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => objectPaths(v, [...path, i], out));
  } else if (typeof value === 'object' && value !== null) {
    const last = path[path.length - 1];
    const serviceSelector = path.join('.') === 'spec.selector' && !('matchLabels' in value) && !('matchExpressions' in value);
    if ((typeof last === 'string' && MAP_KEYS.has(last)) || serviceSelector) return out;
    out.push(path);
    for (const [k, v] of Object.entries(value)) objectPaths(v, [...path, k], out);
  }
  return out;
}

function pathString(path: (string | number)[]): string {
  return formatPointer(path.map((s) => `/${String(s)}`).join(''));
}

/** Adds an unknown field at every schema object of `manifest` in turn; each must be reported at its path. */
function probeEveryObject(manifest: Obj, opts: Parameters<typeof validateManifest>[1] = {}): number {
  let probes = 0;
  for (const path of objectPaths(manifest)) {
    const m = clone(manifest);
    at(m, ...path).zzUnknownField = 1;
    const expected = path.length === 0 ? 'zzUnknownField' : `${pathString(path)}.zzUnknownField`;
    assertError(validateManifest(m, opts), expected, /unknown field/);
    probes++;
  }
  return probes;
}

describe('core kinds (kubernetes-models, made strict)', () => {
  for (const m of validManifests) {
    it(`a valid ${String(m.kind)} passes`, () => {
      assert.deepEqual(validateManifest(m), []);
    });
  }

  for (const m of validManifests) {
    it(`an unknown field at any object of a ${String(m.kind)} is reported with its path`, () => {
      const probes = probeEveryObject(m);
      assert.ok(probes >= 2, `probed ${probes} objects`);
    });
  }

  it('reports spec.replicaz on a Deployment', () => {
    const d = fixture('Deployment');
    at(d, 'spec').replicaz = 2;
    assertError(validateManifest(d), 'spec.replicaz', /unknown field/);
  });

  it('reports an unknown container field', () => {
    const d = fixture('Deployment');
    at(d, 'spec', 'template', 'spec', 'containers', 0).bogusField = true;
    assertError(validateManifest(d), 'spec.template.spec.containers[0].bogusField', /unknown field/);
  });

  it('reports a non-integer Service port', () => {
    const s = fixture('Service');
    at(s, 'spec', 'ports', 0).port = 'x';
    assertError(validateManifest(s), 'spec.ports[0].port', /must be integer/);
  });

  it('reports ports out of 1..65535 on Services and containers', () => {
    const s = fixture('Service');
    at(s, 'spec', 'ports', 0).port = 70000;
    at(s, 'spec', 'ports', 1).targetPort = 0;
    const errors = validateManifest(s);
    assertError(errors, 'spec.ports[0].port', /70000 is out of range/);
    assertError(errors, 'spec.ports[1].targetPort', /0 is out of range/);

    const d = fixture('Deployment');
    at(d, 'spec', 'template', 'spec', 'containers', 0, 'ports', 0).containerPort = 70000;
    assertError(validateManifest(d), 'spec.template.spec.containers[0].ports[0].containerPort', /70000 is out of range/);
  });

  it('reports invalid port names (IANA_SVC_NAME) in containers, probes and Services', () => {
    const d = fixture('Deployment');
    const c = at(d, 'spec', 'template', 'spec', 'containers', 0);
    at(c, 'ports', 0).name = 'much-too-long-name';
    at(c, 'livenessProbe', 'httpGet').port = 'HTTP';
    const errors = validateManifest(d);
    assertError(errors, 'spec.template.spec.containers[0].ports[0].name', /not a valid port name/);
    assertError(errors, 'spec.template.spec.containers[0].livenessProbe.httpGet.port', /not a valid port name/);

    const s = fixture('Service');
    at(s, 'spec', 'ports', 0).targetPort = '25'; // a string is a name, and a name needs a letter
    assertError(validateManifest(s), 'spec.ports[0].targetPort', /not a valid port name/);
  });

  it('reports NetworkPolicy and Ingress port mistakes', () => {
    const np = fixture('NetworkPolicy');
    at(np, 'spec', 'egress', 0, 'ports', 1).endPort = 29999;
    assertError(validateManifest(np), 'spec.egress[0].ports[1].endPort', /below port 30000/);

    const ing = fixture('Ingress');
    at(ing, 'spec', 'defaultBackend', 'service', 'port').number = 65536;
    assertError(validateManifest(ing), 'spec.defaultBackend.service.port.number', /out of range/);
  });

  it('reports an invalid metadata.name', () => {
    const d = fixture('Deployment');
    at(d, 'metadata').name = 'Bad_Name';
    assertError(validateManifest(d), 'metadata.name', /not a DNS-1123 subdomain/);
  });

  it('applies the name rule of each kind', () => {
    const svc = fixture('Service');
    at(svc, 'metadata').name = '1front'; // Services need a DNS-1035 label (leading letter)
    assertError(validateManifest(svc), 'metadata.name', /DNS-1035/);
    const cm = fixture('ConfigMap');
    at(cm, 'metadata').name = '1front.v2';
    assert.deepEqual(validateManifest(cm), []);
    const ns = fixture('Namespace');
    at(ns, 'metadata').name = 'a.b';
    assertError(validateManifest(ns), 'metadata.name', /DNS-1123 label/);
    const cr = fixture('ClusterRole');
    at(cr, 'metadata').name = 'system:mailu:Operator'; // RBAC names are path segments
    assert.deepEqual(validateManifest(cr), []);
    at(cr, 'metadata').name = 'a/b';
    assertError(validateManifest(cr), 'metadata.name', /path segment/);
  });

  it('reports a missing selector with its path', () => {
    const d = fixture('Deployment');
    delete at(d, 'spec').selector;
    assertError(validateManifest(d), 'spec.selector', /required field is missing/);
  });

  it('accepts arbitrary keys in maps (labels, annotations, data, resources)', () => {
    const d = fixture('Deployment');
    at(d, 'metadata').labels = { 'example.com/anything': 'x', 'another.io/key_with.dots': '', z: 'v-1.2_3' };
    at(d, 'metadata').annotations = { 'whatever.example.org/free': 'any text, with spaces: and {json}' };
    at(d, 'spec', 'template', 'spec', 'containers', 0, 'resources').limits = { 'example.com/gpu': 1, memory: '1Gi' };
    assert.deepEqual(validateManifest(d), []);
    const cm = fixture('ConfigMap');
    cm.data = { 'any-key.conf': 'x', UPPER_case: 'y' };
    assert.deepEqual(validateManifest(cm), []);
  });

  it('reports invalid label keys and values, annotation keys and ConfigMap keys', () => {
    const d = fixture('Deployment');
    at(d, 'metadata').labels = { '-bad': 'ok', good: 'has space' };
    at(d, 'spec', 'template', 'metadata').annotations = { 'Bad_Prefix.io/x': 'v' };
    const errors = validateManifest(d);
    assertError(errors, 'metadata.labels["-bad"]', /not a qualified name/);
    assertError(errors, 'metadata.labels.good', /label value "has space" is invalid/);
    assertError(errors, 'spec.template.metadata.annotations["Bad_Prefix.io/x"]', /invalid prefix/);
    const cm = fixture('ConfigMap');
    cm.data = { 'a/b': 'x' };
    assertError(validateManifest(cm), 'data["a/b"]', /key "a\/b" is invalid/);
  });

  it('reports a wrong type once, without unknown-field noise below it', () => {
    const d = fixture('Deployment');
    at(d, 'spec').strategy = [{ type: 'Recreate' }];
    assert.deepEqual(validateManifest(d), ['spec.strategy: must be object']);
  });

  it('reports an unknown field at the root and in metadata', () => {
    const d = fixture('Deployment');
    d.extra = 1;
    at(d, 'metadata').labelz = {};
    const errors = validateManifest(d);
    assertError(errors, 'extra', /unknown field/);
    assertError(errors, 'metadata.labelz', /unknown field/);
  });

  it('checks metadata: name required, namespace required for namespaced kinds and forbidden for cluster-scoped ones', () => {
    const cm = fixture('ConfigMap');
    delete at(cm, 'metadata').name;
    delete at(cm, 'metadata').namespace;
    const errors = validateManifest(cm);
    assertError(errors, 'metadata.name', /required/);
    assertError(errors, 'metadata.namespace', /required.*namespaced/);
    const relaxed = validateManifest(cm, { requireNamespace: false });
    assert.ok(!relaxed.some((e) => e.startsWith('metadata.namespace')), relaxed.join('\n'));

    const cr = fixture('ClusterRole');
    at(cr, 'metadata').namespace = 'mailu';
    assertError(validateManifest(cr), 'metadata.namespace', /cluster-scoped/);
    const bad = fixture('ConfigMap');
    at(bad, 'metadata').namespace = 'Mailu';
    assertError(validateManifest(bad), 'metadata.namespace', /DNS-1123 label/);
  });

  it('never passes an unknown apiVersion/kind or a non-object', () => {
    assert.match(validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }).join(), /unknown apiVersion\/kind "v1" "Pod"/);
    const d = fixture('Deployment');
    d.apiVersion = 'apps/v1beta1';
    assert.match(validateManifest(d).join(), /unknown apiVersion\/kind "apps\/v1beta1" "Deployment"/);
    assert.match(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget' }).join(), /unknown apiVersion\/kind/);
    assert.match(validateManifest({ apiVersion: 'traefik.containo.us/v1alpha1', kind: 'IngressRoute' }).join(), /unknown apiVersion\/kind/);
    assert.match(validateManifest({ kind: 'Deployment' }).join(), /apiVersion and kind/);
    assert.match(validateManifest([]).join(), /must be an object/);
    assert.match(validateManifest('x').join(), /must be an object/);
  });

  it('validates objects that render themselves with toJson() (cdk8s ApiObject)', () => {
    const d = fixture('Deployment');
    at(d, 'spec').replicaz = 1;
    const apiObjectLike = { kind: 'ignored', toJson: () => d };
    assertError(validateManifest(apiObjectLike), 'spec.replicaz', /unknown field/);
  });
});

describe('cert-manager Certificate and Gateway API HTTPRoute', () => {
  it('reports a misspelled Certificate field', () => {
    const c = fixture('Certificate');
    at(c, 'spec').dnsName = ['x.example.com'];
    at(c, 'spec', 'issuerRef').knd = 'Issuer';
    const errors = validateManifest(c);
    assertError(errors, 'spec.dnsName', /unknown field/);
    assertError(errors, 'spec.issuerRef.knd', /unknown field/);
  });

  it('reports a misspelled HTTPRoute field and an out-of-range backend port', () => {
    const r = fixture('HTTPRoute');
    at(r, 'spec', 'rules', 0, 'backendRefs', 0).weigth = 1;
    at(r, 'spec', 'rules', 0, 'backendRefs', 0).port = 70000;
    const errors = validateManifest(r);
    assertError(errors, 'spec.rules[0].backendRefs[0].weigth', /unknown field/);
    assertError(errors, 'spec.rules[0].backendRefs[0].port', /65535/);
  });
});

describe('CloudNativePG Cluster (hand-written subset)', () => {
  it('reports wrong values and fields outside the subset', () => {
    const c = fixture('Cluster');
    at(c, 'spec').instances = 0;
    at(c, 'spec', 'storage').size = 'ten gigs';
    at(c, 'spec', 'storage').storageClas = 'fast';
    delete at(c, 'spec', 'bootstrap', 'initdb', 'secret').name;
    at(c, 'metadata').name = '1db';
    const errors = validateManifest(c);
    assertError(errors, 'spec.instances', /must be >= 1/);
    assertError(errors, 'spec.storage.size', /quantity/);
    assertError(errors, 'spec.storage.storageClas', /unknown field/);
    assertError(errors, 'spec.bootstrap.initdb.secret.name', /required/);
    assertError(errors, 'metadata.name', /DNS-1035/);
  });
});

describe('CRD-backed kinds (upstream CRDs, strict)', () => {
  for (const traefik of [2, 3] as const) {
    for (const m of validCrdManifests) {
      it(`a valid ${String(m.kind)} passes (Traefik v${traefik} CRDs)`, () => {
        assert.deepEqual(validateManifest(m, { traefik }), []);
      });
    }
  }

  for (const m of validCrdManifests) {
    it(`an unknown field at any object of a ${String(m.kind)} is reported with its path`, () => {
      const probes = probeEveryObject(m);
      assert.ok(probes >= 2, `probed ${probes} objects`);
    });
  }

  it('reports IngressRouteTCP "entrypoints" (wrong case)', () => {
    const r = fixture('IngressRouteTCP', validCrdManifests);
    at(r, 'spec').entrypoints = at(r, 'spec').entryPoints;
    delete at(r, 'spec').entryPoints;
    for (const traefik of [2, 3] as const) assertError(validateManifest(r, { traefik }), 'spec.entrypoints', /unknown field/);
  });

  it('defaults to the Traefik v3 CRDs', () => {
    const st = { apiVersion: 'traefik.io/v1alpha1', kind: 'ServersTransportTCP', metadata: { name: 'pp', namespace: 'mailu' }, spec: { proxyProtocol: { version: 2 } } };
    assert.deepEqual(validateManifest(st), []);
  });

  it('knows ServersTransportTCP only in Traefik v3', () => {
    const st = { apiVersion: 'traefik.io/v1alpha1', kind: 'ServersTransportTCP', metadata: { name: 'pp', namespace: 'mailu' }, spec: { proxyProtocol: { version: 2 } } };
    assert.deepEqual(validateManifest(st, { traefik: 3 }), []);
    assert.match(validateManifest(st, { traefik: 2 }).join(), /unknown apiVersion\/kind .*ServersTransportTCP.*traefik-v2-crds\.yaml has no such CRD/);
    at(st, 'spec', 'proxyProtocol').verison = 2;
    assertError(validateManifest(st, { traefik: 3 }), 'spec.proxyProtocol.verison', /unknown field/);
  });

  it('accepts services[].serversTransport on IngressRouteTCP only in Traefik v3', () => {
    const r = fixture('IngressRouteTCP', validCrdManifests);
    at(r, 'spec', 'routes', 0, 'services', 0).serversTransport = 'pp';
    assert.deepEqual(validateManifest(r, { traefik: 3 }), []);
    assertError(validateManifest(r, { traefik: 2 }), 'spec.routes[0].services[0].serversTransport', /unknown field/);
  });

  it('checks types, patterns and ports from the CRDs', () => {
    const r = fixture('IngressRouteTCP', validCrdManifests);
    at(r, 'spec', 'routes', 0, 'services', 0).port = 70000;
    at(r, 'spec', 'routes', 0, 'services', 0).weight = 'heavy';
    const errors = validateManifest(r);
    assertError(errors, 'spec.routes[0].services[0].port', /out of range/);
    assertError(errors, 'spec.routes[0].services[0].weight', /must be integer/);
    const p = fixture('CiliumEgressGatewayPolicy', validCrdManifests);
    at(p, 'spec').destinationCIDRs = ['0.0.0.0'];
    assertError(validateManifest(p), 'spec.destinationCIDRs[0]', /must match pattern/);
  });

  it('leaves x-kubernetes-preserve-unknown-fields open (Middleware plugin config)', () => {
    const mw = fixture('Middleware', validCrdManifests);
    at(mw, 'spec').plugin = { anyPlugin: { nested: { whatever: [1, 'two'] } } };
    assert.deepEqual(validateManifest(mw), []);
  });

  it('reports a CiliumEgressGatewayPolicy with a namespace (cluster-scoped)', () => {
    const p = fixture('CiliumEgressGatewayPolicy', validCrdManifests);
    at(p, 'metadata').namespace = 'mailu';
    assertError(validateManifest(p), 'metadata.namespace', /cluster-scoped/);
  });

  it('reports DNSEndpoint recordTtl (wrong case) and a missing namespace', () => {
    const e = fixture('DNSEndpoint', validCrdManifests);
    const ep = at(e, 'spec', 'endpoints', 0);
    ep.recordTtl = ep.recordTTL;
    delete ep.recordTTL;
    delete at(e, 'metadata').namespace;
    const errors = validateManifest(e);
    assertError(errors, 'spec.endpoints[0].recordTtl', /unknown field/);
    assertError(errors, 'metadata.namespace', /required/);
  });

  it('checks CRD metadata as a strict ObjectMeta', () => {
    const e = fixture('DNSEndpoint', validCrdManifests);
    at(e, 'metadata').labelz = { a: 'b' };
    at(e, 'metadata').name = 'Bad_Name';
    const errors = validateManifest(e);
    assertError(errors, 'metadata.labelz', /unknown field/);
    assertError(errors, 'metadata.name', /DNS-1123/);
  });
});

describe('missing CRD files', () => {
  it('return a single error naming the missing file instead of passing', () => {
    const errors = validateManifest(fixture('DNSEndpoint', validCrdManifests), { crdDir: '/nonexistent-crd-dir' });
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /externaldns-dnsendpoints\.yaml not found in \/nonexistent-crd-dir/);
  });

  it('by default reads the CRDs vendored in the repository, so a fresh clone validates them', () => {
    assert.equal(relative(repoRoot, crdDir), join('test', 'fixtures', 'crds'));
    for (const f of ['traefik-v2-crds.yaml', 'traefik-v3-crds.yaml', 'externaldns-dnsendpoints.yaml', 'cilium-egressgatewaypolicy-v2.yaml', 'README.md']) {
      assert.ok(existsSync(join(crdDir, f)), f);
    }
    assert.deepEqual(validateManifest(fixture('DNSEndpoint', validCrdManifests)), []);
    assert.deepEqual(validateManifest(fixture('DNSEndpoint', validCrdManifests), { crdDir }), []);
  });
});

describe('validateAll', () => {
  it('passes a valid set and prefixes errors with kind/name', () => {
    assert.deepEqual(validateAll(validManifests), []);
    const d = fixture('Deployment');
    at(d, 'spec').replicaz = 1;
    const errors = validateAll([fixture('ConfigMap'), d, { apiVersion: 'v1', kind: 'Pod' }]);
    assert.deepEqual(errors, ['Deployment/front: spec.replicaz: unknown field (not in the schema)', 'Pod/#2: unknown apiVersion/kind "v1" "Pod": no schema to validate it against']);
  });

  it('reports duplicate objects', () => {
    const errors = validateAll([fixture('ConfigMap'), fixture('ConfigMap')]);
    assert.deepEqual(errors, ['ConfigMap/mailu-env: duplicate of object #0 (same group, kind, namespace and name)']);
  });
});

describe('strictify', () => {
  it('closes objects with properties, recursing through properties, items and map values, but not x-of branches', () => {
    const schema: Obj = {
      type: 'object',
      properties: {
        a: { type: 'object', properties: { b: { type: 'string' } } },
        list: { type: 'array', items: { type: 'object', properties: { c: { type: 'integer' } } } },
        map: { type: 'object', additionalProperties: { type: 'object', properties: { d: { type: 'string' } } } },
        open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { e: { type: 'string' } } },
        either: { anyOf: [{ type: 'object', properties: { f: { type: 'string' } } }] },
      },
    };
    strictify(schema);
    const p = schema.properties as Record<string, Obj>;
    assert.equal(schema.additionalProperties, false);
    assert.equal(p.a?.additionalProperties, false);
    assert.equal((p.list?.items as Obj).additionalProperties, false);
    assert.equal((p.map?.additionalProperties as Obj).additionalProperties, false);
    assert.equal(p.open?.additionalProperties, undefined);
    assert.equal(((p.either?.anyOf as Obj[])[0] as Obj).additionalProperties, undefined);
  });
});
