// Strict schema validation of generated manifests, used by every chart test.
//
// Core kinds, cert-manager Certificate and Gateway API HTTPRoute are checked with the
// precompiled kubernetes-models validators (types, enums, required fields), made strict by
// recording which fields the validator reads (read-tracker.ts): a field it never looks at is
// unknown. Traefik, External-DNS, Cilium, Velero and CloudNativePG ScheduledBackup kinds are
// checked against the upstream CRDs vendored in test/fixtures/crds (see the README there) with ajv
// and additionalProperties:false added; CloudNativePG Cluster against a hand-written subset. On
// top of that come the API-server rules the schemas leave out: names, label syntax, port ranges, namespace presence.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
// ObjectMeta comes with kubernetes-models (its own validators import it); used for CRD metadata.
import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';

import { cnpgClusterSchema } from './cnpg-cluster-schema.js';
import { checkName, configKey, dns1123Label, labelValue, portValue, qualifiedName, type NameRule } from './k8s-names.js';
import { escapePointer, trackReads } from './read-tracker.js';

export interface ValidateOptions {
  /** Which Traefik CRD set to check traefik.io kinds against (default 3). */
  traefik?: 2 | 3;
  /** Which Cilium CRD shape to check cilium.io kinds against (default the oldest, 1.14). */
  cilium?: '1.14' | '1.18';
  /** Namespaced kinds must carry metadata.namespace (default true: our output is applied as-is). */
  requireNamespace?: boolean;
  /** Where to read CRD files from (default `crdDir`); lets tests exercise the missing-CRD path. */
  crdDir?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The vendored upstream CRD files (test/fixtures/crds), part of the repository. */
export const crdDir: string = resolve(repoRoot, 'test', 'fixtures', 'crds');

const CRD_FILES = {
  traefik2: 'traefik-v2-crds.yaml',
  traefik3: 'traefik-v3-crds.yaml',
  externalDns: 'externaldns-dnsendpoints.yaml',
  cilium: 'cilium-egressgatewaypolicy-v2.yaml',
  cilium118: 'cilium-egressgatewaypolicy-v2-1.18.yaml',
  velero: 'velero-schedules.yaml',
  cnpgScheduledBackup: 'cnpg-scheduledbackups.yaml',
  serviceMonitor: 'prometheus-operator-servicemonitors.yaml',
  podMonitor: 'prometheus-operator-podmonitors.yaml',
} as const;

// ---------------------------------------------------------------------------------------------
// Issues and messages

interface Issue {
  pointer: string; // JSON pointer, as ajv's instancePath
  message: string;
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "/spec/template/spec/containers/0/bogusField" -> "spec.template.spec.containers[0].bogusField" */
export function formatPointer(pointer: string): string {
  if (pointer === '') return '(root)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function render(issue: Issue): string {
  return `${formatPointer(issue.pointer)}: ${issue.message}`;
}

// Errors that mean "this value has the wrong shape": nothing below them is worth reporting.
const SHAPE_KEYWORDS = new Set(['type', 'oneOf', 'anyOf']);

function fromAjv(errors: readonly ErrorObject[], base = ''): Issue[] {
  const xOfErrorAt = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  const issues: Issue[] = [];
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    const at = base + e.instancePath;
    // The branch errors of an int-or-string oneOf only repeat what the oneOf error says.
    if (e.keyword === 'type' && xOfErrorAt.has(e.instancePath)) continue;
    if (e.keyword === 'additionalProperties') {
      issues.push({ pointer: `${at}/${escapePointer(String(params.additionalProperty))}`, message: 'unknown field (not in the schema)' });
    } else if (e.keyword === 'required') {
      issues.push({ pointer: `${at}/${escapePointer(String(params.missingProperty))}`, message: 'required field is missing' });
    } else if (e.keyword === 'enum') {
      issues.push({ pointer: at, message: `must be one of ${JSON.stringify(params.allowedValues)}` });
    } else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      issues.push({ pointer: at, message: `${e.message ?? 'does not match'} (wrong type or shape)` });
    } else {
      issues.push({ pointer: at, message: e.message ?? `fails "${e.keyword}"` });
    }
  }
  return issues;
}

function shapeErrorPointers(errors: readonly ErrorObject[], base = ''): Set<string> {
  return new Set(errors.filter((e) => SHAPE_KEYWORDS.has(e.keyword)).map((e) => base + e.instancePath));
}

// ---------------------------------------------------------------------------------------------
// Precompiled kubernetes-models validators, made strict

/** Any kubernetes-models class: `setValidateFunc` puts the precompiled validator on the prototype. */
interface ModelClass {
  prototype: { validate(): void };
}

function isAjvValidationError(e: unknown): e is { errors: ErrorObject[] } {
  return typeof e === 'object' && e !== null && Array.isArray((e as { errors?: unknown }).errors);
}

/**
 * Runs the class's validator with `data` as `this`, the way Model#validate does. Older model
 * packages (gateway-api 0.x, the last line for Node 20) find their schema id through the
 * prototype, so `data` gets the class prototype; own fields, all the tracker looks at, are unchanged.
 */
function runModel(cls: ModelClass, data: unknown): ErrorObject[] {
  if (isRecord(data) && Object.getPrototypeOf(data) === Object.prototype) Object.setPrototypeOf(data, cls.prototype);
  try {
    cls.prototype.validate.call(data);
    return [];
  } catch (e) {
    if (isAjvValidationError(e)) return e.errors;
    throw e;
  }
}

/** `data` must be a fresh JSON clone. `base` prefixes pointers when `data` is a sub-object. */
function strictModelCheck(cls: ModelClass, data: unknown, base = ''): Issue[] {
  if (!isRecord(data)) return fromAjv(runModel(cls, data), base);
  const tracked = trackReads(data);
  const errors = runModel(cls, tracked.proxy);
  const shaped = shapeErrorPointers(errors);
  const unknown = tracked.unknownFields((p) => shaped.has(p));
  return [...fromAjv(errors, base), ...unknown.map((p) => ({ pointer: base + p, message: 'unknown field (not in the schema)' }))];
}

// ---------------------------------------------------------------------------------------------
// ajv for CRD schemas and the CNPG subset (one instance, each schema compiled once on first use)

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const a = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
  addFormats.default(a);
  // Kubernetes' own quantity grammar (resource.Quantity), for the CNPG subset.
  a.addFormat('quantity', /^[+-]?(\d+|\d+\.\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/);
  for (const keyword of [
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-validations', // CEL rules: not evaluated
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-embedded-resource',
  ]) {
    a.addKeyword({ keyword });
  }
  ajvInstance = a;
  return a;
}

/** Adds additionalProperties:false to every object schema that lists properties and does not preserve unknown fields. */
export function strictify(schema: unknown): void {
  if (!isRecord(schema)) return;
  const props = schema.properties;
  if (isRecord(props)) {
    if (schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
      schema.additionalProperties = false;
    }
    for (const child of Object.values(props)) strictify(child);
  }
  if (Array.isArray(schema.items)) schema.items.forEach(strictify);
  else strictify(schema.items);
  if (isRecord(schema.additionalProperties)) strictify(schema.additionalProperties);
  // allOf/anyOf/oneOf branches are left alone: a branch may legally list only some of the
  // properties, and structural schemas declare every property outside the branches anyway.
}

const compiled = new Map<string, ValidateFunction>();

function compileOnce(key: string, make: () => unknown): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    const schema = structuredClone(make());
    strictify(schema);
    fn = ajv().compile(schema as object);
    compiled.set(key, fn);
  }
  return fn;
}

const crdDocs = new Map<string, Json[]>();

function crdDocuments(path: string): Json[] {
  let docs = crdDocs.get(path);
  if (!docs) {
    docs = parseAllDocuments(readFileSync(path, 'utf8'))
      .map((d) => d.toJS() as unknown)
      .filter(isRecord);
    crdDocs.set(path, docs);
  }
  return docs;
}

interface CrdVersion {
  scope: 'Namespaced' | 'Cluster';
  schema: unknown;
}

function findCrd(path: string, group: string, version: string, kind: string): CrdVersion | undefined {
  for (const doc of crdDocuments(path)) {
    const spec = doc.spec;
    if (doc.kind !== 'CustomResourceDefinition' || !isRecord(spec) || spec.group !== group) continue;
    if (!isRecord(spec.names) || spec.names.kind !== kind || !Array.isArray(spec.versions)) continue;
    for (const v of spec.versions as unknown[]) {
      if (!isRecord(v) || v.name !== version || !isRecord(v.schema)) continue;
      return { scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced', schema: v.schema.openAPIV3Schema };
    }
  }
  return undefined;
}

function ajvCheck(fn: ValidateFunction, data: Json): Issue[] {
  const issues = fn(data) ? [] : fromAjv(fn.errors ?? []);
  // CRD schemas say only `metadata: {type: object}`: check it as a real ObjectMeta.
  if (isRecord(data.metadata)) issues.push(...strictModelCheck(ObjectMeta, data.metadata, '/metadata'));
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Kinds

interface KindSpec {
  scope: 'Namespaced' | 'Cluster';
  nameRule: NameRule;
  /** Schema check of a fresh JSON clone. */
  check(data: Json, opts: ValidateOptions): Issue[];
  /** API-server rules the schema leaves out. */
  extra?(data: Json): Issue[];
}

function model(cls: ModelClass, scope: KindSpec['scope'], nameRule: NameRule, extra?: KindSpec['extra']): KindSpec {
  return { scope, nameRule, check: (data) => strictModelCheck(cls, data), extra };
}

// --- extra rules, working on unknown-typed data (wrong types are the schema's to report) ---

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function port(out: Issue[], pointer: string, v: unknown, allowName: boolean): void {
  if (v === undefined) return;
  const msg = portValue(v, allowName);
  if (msg) out.push({ pointer, message: msg });
}

function labelsAndAnnotations(meta: unknown, pointer: string, out: Issue[]): void {
  const m = rec(meta);
  for (const [k, v] of Object.entries(rec(m.labels))) {
    const at = `${pointer}/labels/${escapePointer(k)}`;
    const keyMsg = qualifiedName(k);
    if (keyMsg) out.push({ pointer: at, message: keyMsg });
    if (typeof v === 'string') {
      const valMsg = labelValue(v);
      if (valMsg) out.push({ pointer: at, message: valMsg });
    }
  }
  for (const k of Object.keys(rec(m.annotations))) {
    const keyMsg = qualifiedName(k);
    if (keyMsg) out.push({ pointer: `${pointer}/annotations/${escapePointer(k)}`, message: keyMsg });
  }
}

function matchLabels(selector: unknown, pointer: string, out: Issue[]): void {
  for (const [k, v] of Object.entries(rec(rec(selector).matchLabels))) {
    const at = `${pointer}/matchLabels/${escapePointer(k)}`;
    const keyMsg = qualifiedName(k);
    if (keyMsg) out.push({ pointer: at, message: keyMsg });
    if (typeof v === 'string') {
      const valMsg = labelValue(v);
      if (valMsg) out.push({ pointer: at, message: valMsg });
    }
  }
}

function handlerPorts(handler: unknown, pointer: string, out: Issue[]): void {
  const h = rec(handler);
  port(out, `${pointer}/httpGet/port`, rec(h.httpGet).port, true);
  port(out, `${pointer}/tcpSocket/port`, rec(h.tcpSocket).port, true);
  port(out, `${pointer}/grpc/port`, rec(h.grpc).port, false);
}

function podSpecRules(podSpec: unknown, pointer: string, out: Issue[]): void {
  const spec = rec(podSpec);
  for (const list of ['initContainers', 'containers'] as const) {
    arr(spec[list]).forEach((c, i) => {
      const cp = `${pointer}/${list}/${i}`;
      const container = rec(c);
      arr(container.ports).forEach((p, j) => {
        const pp = rec(p);
        port(out, `${cp}/ports/${j}/containerPort`, pp.containerPort, false);
        port(out, `${cp}/ports/${j}/hostPort`, pp.hostPort, false);
        if (typeof pp.name === 'string') port(out, `${cp}/ports/${j}/name`, pp.name, true);
      });
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        handlerPorts(container[probe], `${cp}/${probe}`, out);
      }
      const lifecycle = rec(container.lifecycle);
      handlerPorts(lifecycle.postStart, `${cp}/lifecycle/postStart`, out);
      handlerPorts(lifecycle.preStop, `${cp}/lifecycle/preStop`, out);
    });
  }
}

function workloadRules(data: Json): Issue[] {
  const out: Issue[] = [];
  const spec = rec(data.spec);
  matchLabels(spec.selector, '/spec/selector', out);
  const template = rec(spec.template);
  labelsAndAnnotations(template.metadata, '/spec/template/metadata', out);
  podSpecRules(template.spec, '/spec/template/spec', out);
  arr(spec.volumeClaimTemplates).forEach((t, i) => labelsAndAnnotations(rec(t).metadata, `/spec/volumeClaimTemplates/${i}/metadata`, out));
  return out;
}

function serviceRules(data: Json): Issue[] {
  const out: Issue[] = [];
  arr(rec(data.spec).ports).forEach((p, i) => {
    const pp = rec(p);
    port(out, `/spec/ports/${i}/port`, pp.port, false);
    port(out, `/spec/ports/${i}/targetPort`, pp.targetPort, true);
    port(out, `/spec/ports/${i}/nodePort`, pp.nodePort, false);
  });
  return out;
}

function networkPolicyRules(data: Json): Issue[] {
  const out: Issue[] = [];
  const spec = rec(data.spec);
  matchLabels(spec.podSelector, '/spec/podSelector', out);
  for (const dir of ['ingress', 'egress'] as const) {
    arr(spec[dir]).forEach((rule, i) => {
      const r = rec(rule);
      arr(r.ports).forEach((p, j) => {
        const pp = rec(p);
        const at = `/spec/${dir}/${i}/ports/${j}`;
        port(out, `${at}/port`, pp.port, true);
        port(out, `${at}/endPort`, pp.endPort, false);
        if (typeof pp.endPort === 'number' && typeof pp.port === 'number' && pp.endPort < pp.port) {
          out.push({ pointer: `${at}/endPort`, message: `endPort ${pp.endPort} is below port ${pp.port}` });
        }
        if (pp.endPort !== undefined && typeof pp.port !== 'number') {
          out.push({ pointer: `${at}/endPort`, message: 'endPort needs a numeric port' });
        }
      });
      for (const peers of ['from', 'to'] as const) {
        arr(r[peers]).forEach((peer, j) => {
          const pe = rec(peer);
          matchLabels(pe.podSelector, `/spec/${dir}/${i}/${peers}/${j}/podSelector`, out);
          matchLabels(pe.namespaceSelector, `/spec/${dir}/${i}/${peers}/${j}/namespaceSelector`, out);
        });
      }
    });
  }
  return out;
}

function ingressRules(data: Json): Issue[] {
  const out: Issue[] = [];
  const spec = rec(data.spec);
  const backend = (b: unknown, at: string) => {
    const p = rec(rec(rec(b).service).port);
    port(out, `${at}/service/port/number`, p.number, false);
    port(out, `${at}/service/port/name`, p.name, true);
  };
  backend(spec.defaultBackend, '/spec/defaultBackend');
  arr(spec.rules).forEach((r, i) =>
    arr(rec(rec(r).http).paths).forEach((p, j) => backend(rec(p).backend, `/spec/rules/${i}/http/paths/${j}/backend`)),
  );
  return out;
}

function pdbRules(data: Json): Issue[] {
  const out: Issue[] = [];
  matchLabels(rec(data.spec).selector, '/spec/selector', out);
  return out;
}

function dataKeyRules(data: Json): Issue[] {
  const out: Issue[] = [];
  for (const field of ['data', 'binaryData', 'stringData']) {
    for (const k of Object.keys(rec(data[field]))) {
      const msg = configKey(k);
      if (msg) out.push({ pointer: `/${field}/${escapePointer(k)}`, message: msg });
    }
  }
  return out;
}

function traefikRouteRules(data: Json): Issue[] {
  const out: Issue[] = [];
  arr(rec(data.spec).routes).forEach((r, i) =>
    arr(rec(r).services).forEach((s, j) => port(out, `/spec/routes/${i}/services/${j}/port`, rec(s).port, true)),
  );
  return out;
}

/** metav1 selector requirements: the CRD types them as strings only; the API server checks this. */
function matchExpressions(selector: unknown, pointer: string, out: Issue[]): void {
  arr(rec(selector).matchExpressions).forEach((e, i) => {
    const req = rec(e);
    const at = `${pointer}/matchExpressions/${i}`;
    if (typeof req.key === 'string') {
      const keyMsg = qualifiedName(req.key);
      if (keyMsg) out.push({ pointer: `${at}/key`, message: keyMsg });
    }
    const values = arr(req.values);
    const op = req.operator;
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) out.push({ pointer: `${at}/values`, message: `must be non-empty for ${op}` });
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) out.push({ pointer: `${at}/values`, message: `must be empty for ${op}` });
    } else {
      out.push({ pointer: `${at}/operator`, message: 'must be one of In, NotIn, Exists, DoesNotExist' });
    }
    values.forEach((v, j) => {
      const msg = typeof v === 'string' ? labelValue(v) : undefined;
      if (msg) out.push({ pointer: `${at}/values/${j}`, message: msg });
    });
  });
}

/** Velero's label selectors are plain metav1 selectors: keys, operators and values as the API server checks them. */
function veleroScheduleRules(data: Json): Issue[] {
  const out: Issue[] = [];
  const template = rec(rec(data.spec).template);
  const selectors: [unknown, string][] = [[template.labelSelector, '/spec/template/labelSelector']];
  arr(template.orLabelSelectors).forEach((s, i) => selectors.push([s, `/spec/template/orLabelSelectors/${i}`]));
  arr(rec(template.hooks).resources).forEach((h, i) => selectors.push([rec(h).labelSelector, `/spec/template/hooks/resources/${i}/labelSelector`]));
  for (const [sel, at] of selectors) {
    matchLabels(sel, at, out);
    matchExpressions(sel, at, out);
  }
  if (template.labelSelector !== undefined && template.orLabelSelectors !== undefined) {
    out.push({ pointer: '/spec/template/orLabelSelectors', message: 'cannot be used together with labelSelector (Velero refuses the backup)' });
  }
  return out;
}

const MODEL_KINDS: Record<string, KindSpec> = {
  'v1/ConfigMap': model(ConfigMap, 'Namespaced', 'dns1123-subdomain', dataKeyRules),
  'v1/Secret': model(Secret, 'Namespaced', 'dns1123-subdomain', dataKeyRules),
  'v1/Service': model(Service, 'Namespaced', 'dns1035-label', serviceRules),
  'v1/PersistentVolumeClaim': model(PersistentVolumeClaim, 'Namespaced', 'dns1123-subdomain'),
  'v1/ServiceAccount': model(ServiceAccount, 'Namespaced', 'dns1123-subdomain'),
  'v1/Namespace': model(Namespace, 'Cluster', 'dns1123-label'),
  'apps/v1/Deployment': model(Deployment, 'Namespaced', 'dns1123-subdomain', workloadRules),
  'apps/v1/DaemonSet': model(DaemonSet, 'Namespaced', 'dns1123-subdomain', workloadRules),
  'apps/v1/StatefulSet': model(StatefulSet, 'Namespaced', 'dns1123-subdomain', workloadRules),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy, 'Namespaced', 'dns1123-subdomain', networkPolicyRules),
  'networking.k8s.io/v1/Ingress': model(Ingress, 'Namespaced', 'dns1123-subdomain', ingressRules),
  'rbac.authorization.k8s.io/v1/Role': model(Role, 'Namespaced', 'path-segment'),
  'rbac.authorization.k8s.io/v1/ClusterRole': model(ClusterRole, 'Cluster', 'path-segment'),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding, 'Namespaced', 'path-segment'),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': model(ClusterRoleBinding, 'Cluster', 'path-segment'),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget, 'Namespaced', 'dns1123-subdomain', pdbRules),
  'coordination.k8s.io/v1/Lease': model(Lease, 'Namespaced', 'dns1123-subdomain'),
  'cert-manager.io/v1/Certificate': model(Certificate, 'Namespaced', 'dns1123-subdomain'),
  'gateway.networking.k8s.io/v1/HTTPRoute': model(HTTPRoute, 'Namespaced', 'dns1123-subdomain'),
};

const CNPG_CLUSTER: KindSpec = {
  scope: 'Namespaced',
  // CNPG derives Service names (<name>-rw, -ro, -r) from it, which must be DNS-1035 labels.
  nameRule: 'dns1035-label',
  check: (data) => ajvCheck(compileOnce('cnpg/Cluster', () => cnpgClusterSchema), data),
};

/** CRD-backed kinds: which file, and extra rules. Traefik picks its file from the options. */
const CRD_KINDS: Record<string, { file: (opts: ValidateOptions) => string; extra?: KindSpec['extra'] }> = {
  'externaldns.k8s.io/v1alpha1/DNSEndpoint': { file: () => CRD_FILES.externalDns },
  'cilium.io/v2/CiliumEgressGatewayPolicy': { file: (opts) => (opts.cilium === '1.18' ? CRD_FILES.cilium118 : CRD_FILES.cilium) },
  'velero.io/v1/Schedule': { file: () => CRD_FILES.velero, extra: veleroScheduleRules },
  'postgresql.cnpg.io/v1/ScheduledBackup': { file: () => CRD_FILES.cnpgScheduledBackup },
  'monitoring.coreos.com/v1/ServiceMonitor': { file: () => CRD_FILES.serviceMonitor },
  'monitoring.coreos.com/v1/PodMonitor': { file: () => CRD_FILES.podMonitor },
};
const TRAEFIK_EXTRA: Record<string, KindSpec['extra']> = { IngressRoute: traefikRouteRules, IngressRouteTCP: traefikRouteRules };

function traefikFile(opts: ValidateOptions): string {
  return (opts.traefik ?? 3) === 2 ? CRD_FILES.traefik2 : CRD_FILES.traefik3;
}

type Lookup = { spec: KindSpec } | { error: string };

function lookupKind(apiVersion: string, kind: string, opts: ValidateOptions): Lookup {
  const key = `${apiVersion}/${kind}`;
  const modelKind = MODEL_KINDS[key];
  if (modelKind) return { spec: modelKind };
  if (key === 'postgresql.cnpg.io/v1/Cluster') return { spec: CNPG_CLUSTER };

  const isTraefik = apiVersion.startsWith('traefik.io/');
  const crd = CRD_KINDS[key];
  if (!crd && !isTraefik) return { error: `unknown apiVersion/kind "${apiVersion}" "${kind}": no schema to validate it against` };
  const file = crd ? crd.file(opts) : traefikFile(opts);
  const dir = opts.crdDir ?? crdDir;
  const path = join(dir, file);
  if (!existsSync(path)) {
    return { error: `cannot validate ${apiVersion} ${kind}: CRD file ${file} not found in ${dir}` };
  }
  const slash = apiVersion.indexOf('/');
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const found = findCrd(path, group, version, kind);
  if (!found) return { error: `unknown apiVersion/kind "${apiVersion}" "${kind}": ${file} has no such CRD version` };
  return {
    spec: {
      scope: found.scope,
      nameRule: 'dns1123-subdomain',
      check: (data) => ajvCheck(compileOnce(`${path}|${key}`, () => found.schema), data),
      extra: crd ? crd.extra : TRAEFIK_EXTRA[kind],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Public API

function metadataRules(data: Json, spec: KindSpec, opts: ValidateOptions): Issue[] {
  const out: Issue[] = [];
  const meta = data.metadata;
  if (!isRecord(meta)) {
    out.push({ pointer: '/metadata', message: 'required field is missing' });
    return out;
  }
  if (meta.name === undefined) out.push({ pointer: '/metadata/name', message: 'required field is missing' });
  else if (typeof meta.name === 'string') {
    const msg = checkName(meta.name, spec.nameRule);
    if (msg) out.push({ pointer: '/metadata/name', message: msg });
  }
  if (spec.scope === 'Cluster' && meta.namespace !== undefined) {
    out.push({ pointer: '/metadata/namespace', message: `must not be set: ${String(data.kind)} is cluster-scoped` });
  }
  if (spec.scope === 'Namespaced') {
    if (meta.namespace === undefined) {
      if (opts.requireNamespace !== false) out.push({ pointer: '/metadata/namespace', message: `required field is missing (${String(data.kind)} is namespaced)` });
    } else if (typeof meta.namespace === 'string') {
      const msg = dns1123Label(meta.namespace);
      if (msg) out.push({ pointer: '/metadata/namespace', message: msg });
    }
  }
  labelsAndAnnotations(meta, '/metadata', out);
  return out;
}

/** A cdk8s ApiObject renders itself with toJson(); Testing.synth() output is plain already. */
function toPlain(input: unknown): unknown {
  return isRecord(input) && typeof input.toJson === 'function' ? (input.toJson as () => unknown).call(input) : input;
}

/** Validates one manifest strictly; returns human-readable errors, empty when valid. */
export function validateManifest(input: unknown, opts: ValidateOptions = {}): string[] {
  const obj = toPlain(input);
  if (!isRecord(obj)) return [`(root): must be an object, got ${Array.isArray(obj) ? 'an array' : typeof obj}`];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    return ['(root): apiVersion and kind must be non-empty strings'];
  }
  const found = lookupKind(apiVersion, kind, opts);
  if ('error' in found) return [found.error];

  let data: Json;
  try {
    // A plain JSON clone: what would be serialised, and safe to wrap in Proxies.
    data = JSON.parse(JSON.stringify(obj)) as Json;
  } catch (e) {
    return [`(root): not JSON-serialisable: ${(e as Error).message}`];
  }
  const issues = [...found.spec.check(data, opts), ...metadataRules(data, found.spec, opts), ...(found.spec.extra?.(data) ?? [])];
  return [...new Set(issues.map(render))];
}

/** Validates every manifest, prefixing errors with kind/name; also reports duplicate objects. */
export function validateAll(objs: unknown[], opts: ValidateOptions = {}): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  objs.forEach((input, i) => {
    const obj = toPlain(input);
    const o = rec(obj);
    const meta = rec(o.metadata);
    const label = `${typeof o.kind === 'string' ? o.kind : '?'}/${typeof meta.name === 'string' ? meta.name : `#${i}`}`;
    for (const e of validateManifest(obj, opts)) out.push(`${label}: ${e}`);
    if (typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof meta.name === 'string') {
      const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
      const identity = `${group}|${o.kind}|${typeof meta.namespace === 'string' ? meta.namespace : ''}|${meta.name}`;
      const first = seen.get(identity);
      if (first !== undefined) out.push(`${label}: duplicate of object #${first} (same group, kind, namespace and name)`);
      else seen.set(identity, i);
    }
  });
  return out;
}
