// What a Mailu container really sees, built from the synthesized objects the way the kubelet
// builds it: envFrom sources in order, then env entries (later names win), $(VAR) references
// expanded; secrets become throwaway values. Also the volume mounts (with the TLS Secret turned
// into a throwaway self-signed pair), the pod's nameservers, and a host table for our Services.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Container, EnvVar, Secret, Service, Volume } from 'kubernetes-types/core/v1.js';
import type { Rendered } from '../chart-helpers.js';

export type MountSource =
  | { kind: 'secret'; name: string; items?: string[] }
  | { kind: 'configMap'; name: string; items?: string[] }
  | { kind: 'pvc'; claim: string }
  | { kind: 'emptyDir' }
  | { kind: 'other'; volume: string };

export interface Mount {
  mountPath: string;
  volume: string;
  subPath?: string;
  readOnly: boolean;
  source: MountSource;
}

export interface ContainerView {
  component: string;
  container: string;
  /** The effective environment (name → value), secrets replaced by throwaway values. */
  env: Record<string, string>;
  /** Variables whose value came from a Secret (so tests never mistake a throwaway for config). */
  fromSecrets: Record<string, { secret: string; key: string }>;
  mounts: Mount[];
  /** dnsConfig nameservers when dnsPolicy is None; otherwise empty (cluster DNS). */
  nameservers: string[];
}

/** A stable, obviously fake value for a secret key. */
export function throwawaySecret(secret: string, key: string): string {
  return `test-${secret}-${key}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Values the kubelet would put in for the downward API (fixed test values). */
const FIELD_VALUES: Record<string, string> = {
  'status.podIP': '10.42.0.10',
  'status.podIPs': '10.42.0.10',
  'status.hostIP': '192.0.2.10',
  'spec.nodeName': 'node-a',
  'metadata.name': 'pod-a',
};

function configMapData(r: Rendered, name: string): Record<string, string> | undefined {
  const cm = r.find('ConfigMap', name) as unknown as ConfigMap | undefined;
  return cm ? { ...(cm.data ?? {}) } : undefined;
}

function secretData(r: Rendered, name: string): Record<string, string> | undefined {
  const s = r.find('Secret', name) as unknown as Secret | undefined;
  if (!s) return undefined;
  return Object.fromEntries(Object.keys({ ...s.data, ...s.stringData }).map((k) => [k, throwawaySecret(name, k)]));
}

/** Kubernetes' $(VAR) expansion: only names defined earlier; $$ escapes; unknown stays verbatim. */
export function expandRefs(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? env[name]! : m;
  });
}

function applyEnvFrom(r: Rendered, c: Container, env: Record<string, string>, secretVars: ContainerView['fromSecrets']): void {
  for (const src of c.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    if (src.configMapRef) {
      const data = configMapData(r, src.configMapRef.name!);
      if (!data && !src.configMapRef.optional) throw new Error(`envFrom: ConfigMap ${src.configMapRef.name} is not in the output`);
      for (const [k, v] of Object.entries(data ?? {})) env[prefix + k] = v;
    }
    if (src.secretRef) {
      const data = secretData(r, src.secretRef.name!);
      if (!data && !src.secretRef.optional) throw new Error(`envFrom: Secret ${src.secretRef.name} is not in the output; its keys are unknown`);
      for (const [k, v] of Object.entries(data ?? {})) {
        env[prefix + k] = v;
        secretVars[prefix + k] = { secret: src.secretRef.name!, key: k };
      }
    }
  }
}

function envValue(r: Rendered, e: EnvVar, env: Record<string, string>): string | undefined {
  if (e.value !== undefined) return expandRefs(e.value, env);
  const from = e.valueFrom;
  if (!from) return '';
  if (from.secretKeyRef) return throwawaySecret(from.secretKeyRef.name!, from.secretKeyRef.key);
  if (from.configMapKeyRef) {
    const v = configMapData(r, from.configMapKeyRef.name!)?.[from.configMapKeyRef.key];
    if (v === undefined && !from.configMapKeyRef.optional) {
      throw new Error(`env ${e.name}: ConfigMap ${from.configMapKeyRef.name} key ${from.configMapKeyRef.key} is not in the output`);
    }
    return v;
  }
  if (from.fieldRef) {
    const v = FIELD_VALUES[from.fieldRef.fieldPath];
    if (v === undefined) throw new Error(`env ${e.name}: no test value for fieldRef ${from.fieldRef.fieldPath}`);
    return v;
  }
  throw new Error(`env ${e.name}: unsupported valueFrom ${JSON.stringify(from)}`);
}

function mountSource(v: Volume | undefined, name: string): MountSource {
  if (v?.secret) return { kind: 'secret', name: v.secret.secretName!, items: v.secret.items?.map((i) => i.path) };
  if (v?.configMap) return { kind: 'configMap', name: v.configMap.name!, items: v.configMap.items?.map((i) => i.path) };
  if (v?.persistentVolumeClaim) return { kind: 'pvc', claim: v.persistentVolumeClaim.claimName };
  if (v?.emptyDir) return { kind: 'emptyDir' };
  return { kind: 'other', volume: name };
}

/** The effective environment and mounts of a component's container (default: its first). */
export function containerView(r: Rendered, component: string, containerName?: string): ContainerView {
  const spec = r.podSpec(component);
  const c = containerName ? spec.containers.find((x) => x.name === containerName) : spec.containers[0];
  if (!c) throw new Error(`${component} has no container ${containerName ?? ''}`);
  const env: Record<string, string> = {};
  const fromSecrets: ContainerView['fromSecrets'] = {};
  applyEnvFrom(r, c, env, fromSecrets);
  for (const e of c.env ?? []) {
    const v = envValue(r, e, env);
    if (v === undefined) continue; // optional configMapKeyRef that is missing: the kubelet skips it
    env[e.name] = v;
    if (e.valueFrom?.secretKeyRef) fromSecrets[e.name] = { secret: e.valueFrom.secretKeyRef.name!, key: e.valueFrom.secretKeyRef.key };
    else delete fromSecrets[e.name];
  }
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const mounts = (c.volumeMounts ?? []).map((m) => ({
    mountPath: m.mountPath,
    volume: m.name,
    subPath: m.subPath,
    readOnly: m.readOnly ?? false,
    source: mountSource(volumes.get(m.name), m.name),
  }));
  const nameservers = spec.dnsPolicy === 'None' ? (spec.dnsConfig?.nameservers ?? []) : [];
  return { component, container: c.name, env, fromSecrets, mounts, nameservers };
}

/** The pod's /etc/resolv.conf nameserver lines (what front's config.py reads). */
export function resolvConf(view: ContainerView): string | undefined {
  return view.nameservers.length ? view.nameservers.map((n) => `nameserver ${n}\n`).join('') : undefined;
}

// ------------------------------------------------------------------ Services → test addresses

/**
 * Every Service FQDN of the output → an address: its fixed ClusterIP when it has one, else a
 * loopback address (127.0.100.N in name order), so lookups in the sandbox are deterministic.
 */
export function serviceHosts(r: Rendered, clusterDomain = 'cluster.local'): Record<string, string> {
  const services = (r.all('Service') as unknown as Service[]).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  const hosts: Record<string, string> = {};
  services.forEach((s, i) => {
    const ip = s.spec?.clusterIP && s.spec.clusterIP !== 'None' ? s.spec.clusterIP : `127.0.100.${i + 1}`;
    hosts[`${s.metadata!.name}.${r.namespace}.svc.${clusterDomain}`] = ip;
  });
  return hosts;
}

// ------------------------------------------------------------------ throwaway TLS material

let opensslChecked: boolean | undefined;
export function opensslAvailable(): boolean {
  opensslChecked ??= spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  return opensslChecked;
}

const pairs = new Map<string, { cert: string; key: string }>();

/** A throwaway self-signed EC certificate for `hostname` (cached per process). Needs the openssl CLI. */
export function selfSignedPair(hostname: string): { cert: string; key: string } {
  const cached = pairs.get(hostname);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'mailu-tls-'));
  try {
    const res = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`openssl req failed: ${res.stderr}`);
    const pair = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
    pairs.set(hostname, pair);
    return pair;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Files the container finds in its Secret mounts, container path → content: a kubernetes.io/tls
 * Secret holds tls.crt/tls.key (cert-manager adds ca.crt), filled with a throwaway pair for the
 * primary hostname. undefined when openssl is absent (callers skip TLS checks visibly).
 */
export function secretMountFiles(view: ContainerView, hostname: string): Record<string, string> | undefined {
  const secrets = view.mounts.filter((m) => m.source.kind === 'secret');
  if (secrets.length === 0) return {};
  if (!opensslAvailable()) return undefined;
  const { cert, key } = selfSignedPair(hostname);
  const files: Record<string, string> = {};
  for (const m of secrets) {
    const base = m.subPath ? m.mountPath : `${m.mountPath}/`;
    const put = (name: string, content: string) => (files[m.subPath ? base : base + name] = content);
    if (m.subPath) put(m.subPath, m.subPath.endsWith('.key') ? key : cert);
    else for (const [name, content] of [['tls.crt', cert], ['tls.key', key], ['ca.crt', cert]] as const) put(name, content);
  }
  return files;
}
