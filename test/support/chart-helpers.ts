// Helpers for the chart, networking and CLI tests: a small valid config, in-process synthesis with
// typed look-ups, Mailu's call graph written down independently of src/model, and a NetworkPolicy
// evaluator so tests can ask "may this pod reach that address on that port?" instead of comparing
// YAML shapes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import ipaddr from 'ipaddr.js';
import type { DaemonSet, Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Container, PodSpec, Probe, Service } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { synthesize, type SynthResult } from '../../src/chart/synth.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { type ValidateOptions, validateAll } from './schema.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  [key: string]: unknown;
}

/** A small valid config: no warnings, nodeIps egress with a known address, certManager TLS. */
export const BASE: MailuConfigInput = {
  domain: 'example.com',
  hostnames: ['mail.example.com'],
  cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' },
  tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
  egress: { mode: 'nodeIps', addresses: ['203.0.113.10'] },
  dns: { addresses: ['203.0.113.10'] },
};

/** BASE with whole top-level sections replaced. */
export function cfg(over: Partial<MailuConfigInput> = {}): MailuConfigInput {
  return { ...BASE, ...over };
}

export const MAILU_LABEL_KEYS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
] as const;

/** Synthesis output with look-ups by kind, name and component. */
export class Rendered {
  readonly objects: Manifest[];
  constructor(readonly result: SynthResult) {
    this.objects = result.objects as Manifest[];
  }

  get warnings(): string[] {
    return this.result.warnings;
  }
  get instance(): string {
    return this.result.chart.config.instance;
  }
  get namespace(): string {
    return this.result.chart.config.namespace;
  }

  all(kind: string): Manifest[] {
    return this.objects.filter((o) => o.kind === kind);
  }
  find(kind: string, name: string): Manifest | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }
  get(kind: string, name: string): Manifest {
    const o = this.find(kind, name);
    if (!o) throw new Error(`no ${kind}/${name}; have ${this.all(kind).map((x) => x.metadata.name).join(', ') || 'none of that kind'}`);
    return o;
  }

  /** The shared Mailu environment (the <instance>-env ConfigMap). */
  env(): Record<string, string> {
    return (this.get('ConfigMap', `${this.instance}-env`) as unknown as ConfigMap).data ?? {};
  }
  hasComponent(component: string): boolean {
    const name = `${this.instance}-${component}`;
    return this.find('Deployment', name) !== undefined || this.find('DaemonSet', name) !== undefined;
  }
  workload(component: string): Deployment | DaemonSet {
    const name = `${this.instance}-${component}`;
    const o = this.find('Deployment', name) ?? this.find('DaemonSet', name);
    if (!o) throw new Error(`no workload for ${component}`);
    return o as unknown as Deployment | DaemonSet;
  }
  podSpec(component: string): PodSpec {
    const spec = this.workload(component).spec?.template.spec;
    if (!spec) throw new Error(`${component} has no pod spec`);
    return spec;
  }
  container(component: string): Container {
    const c = this.podSpec(component).containers[0];
    if (!c) throw new Error(`${component} has no container`);
    return c;
  }
  podLabels(component: string): Record<string, string> {
    return this.workload(component).spec?.template.metadata?.labels ?? {};
  }
  service(name: string): Service {
    return this.get('Service', name) as unknown as Service;
  }
  policies(): NetworkPolicy[] {
    return this.all('NetworkPolicy') as unknown as NetworkPolicy[];
  }
  /** Components that run, from the workloads in the output. */
  components(): string[] {
    return [...this.all('Deployment'), ...this.all('DaemonSet')]
      .map((o) => o.metadata.labels?.['app.kubernetes.io/component'])
      .filter((c): c is string => typeof c === 'string');
  }
  /** A pod of this component, as the NetworkPolicy evaluator sees it. */
  pod(component: string): Endpoint {
    return { pod: { namespace: this.namespace, labels: this.podLabels(component) } };
  }
}

export function render(config: unknown, opts: { split?: boolean } = {}): Rendered {
  return new Rendered(synthesize(config as MailuConfigInput, opts));
}

/** Seconds a probe allows before it gives up (initial delay + period × threshold). */
export function probeBudget(p: Probe | undefined): number {
  if (!p) return 0;
  return (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
}

/** Exec commands that need a shell: pipes, $(), &&, ||, negation, redirections. */
export function needsShell(cmd: string): boolean {
  return /[|&;<>]|\$\(|`|^\s*!/.test(cmd);
}

/** ClusterIP Service FQDN → Service name, when it belongs to this namespace and cluster domain. */
export function serviceNameOf(fqdn: string, namespace: string, clusterDomain = 'cluster.local'): string | undefined {
  const suffix = `.${namespace}.svc.${clusterDomain}`;
  return fqdn.endsWith(suffix) ? fqdn.slice(0, -suffix.length) : undefined;
}

// ------------------------------------------------------------------ Mailu's call graph (reference §2.5)

/**
 * Ports Mailu's front opens, from its environment as its own templates read it: PORTS, plus the
 * internal listeners, of which webmail's ManageSieve (14190) sits inside the 4190 block.
 */
export function frontListensOn(env: Record<string, string>): number[] {
  const ports = numList(env.PORTS);
  return [...ports, 2525, 10025, 10143, ...(ports.includes(4190) ? [14190] : [])];
}

/** Ports each *_ADDRESS consumer connects to (Mailu hardcodes them; the address carries no port). */
export const ADDRESS_PORTS: Record<string, { component: string; ports: number[] }> = {
  ADMIN_ADDRESS: { component: 'admin', ports: [8080] },
  // 14190 (webmail's sieve) only exists when PORTS holds 4190: see frontListensOn.
  FRONT_ADDRESS: { component: 'front', ports: [2525, 10025, 10143] },
  SMTP_ADDRESS: { component: 'smtp', ports: [25, 10025] },
  IMAP_ADDRESS: { component: 'imap', ports: [143, 110, 4190, 2525] },
  ANTISPAM_ADDRESS: { component: 'antispam', ports: [11332, 11334] },
  ANTIVIRUS_ADDRESS: { component: 'antivirus', ports: [3310] },
  WEBMAIL_ADDRESS: { component: 'webmail', ports: [80] },
  WEBDAV_ADDRESS: { component: 'webdav', ports: [5232] },
  OLETOOLS_ADDRESS: { component: 'oletools', ports: [11343] },
  FTS_ATTACHMENTS_ADDRESS: { component: 'tika', ports: [9998] },
  REDIS_ADDRESS: { component: 'redis', ports: [6379] },
};

export interface Call {
  from: string;
  to: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

/** The in-namespace connections Mailu makes, for the components that run. */
export function mailuCalls(components: readonly string[], opts: { port25Proxied: boolean }): Call[] {
  const has = new Set(components);
  const calls: Call[] = [];
  const c = (from: string, to: string, ...ports: number[]) => {
    if (has.has(from) && has.has(to)) for (const port of ports) calls.push({ from, to, port });
  };
  c('front', 'admin', 8080);
  c('front', 'antispam', 11334);
  c('front', 'webmail', 80);
  c('front', 'webdav', 5232);
  c('front', 'imap', 143, 110, 4190, 2525);
  c('front', 'smtp', 25, 10025);
  c('smtp', 'admin', 8080);
  c('smtp', 'antispam', 11332);
  c('smtp', 'front', 2525);
  c('imap', 'admin', 8080);
  c('imap', 'antispam', 11334);
  c('imap', 'tika', 9998);
  c('antispam', 'admin', 8080);
  c('antispam', 'redis', 6379);
  c('antispam', 'antivirus', 3310);
  c('antispam', 'oletools', 11343);
  c('admin', 'redis', 6379);
  c('admin', 'front', 2525); // User.sendmail: welcome mail and announcements over LMTP
  c('webmail', 'front', 10143, 10025, 14190);
  c('fetchmail', 'admin', 8080);
  c('fetchmail', 'front', 2525);
  // With PROXY on 25 these go to HOSTNAMES[0] (the public path) instead of front.
  if (!opts.port25Proxied) {
    c('imap', 'front', 25);
    c('fetchmail', 'front', 25);
  }
  for (const comp of components) {
    if (comp !== 'resolver' && has.has('resolver')) {
      calls.push({ from: comp, to: 'resolver', port: 53, protocol: 'UDP' }, { from: comp, to: 'resolver', port: 53, protocol: 'TCP' });
    }
  }
  return calls;
}

// ------------------------------------------------------------------ NetworkPolicy evaluator

/** A pod (namespace + labels, optionally its IP) or a bare address outside the cluster. */
export type Endpoint = { pod: { namespace: string; labels: Record<string, string> }; ip?: string } | { ip: string; pod?: undefined };

/** An address on the internet (documentation ranges are fine: policies see only CIDR maths). */
export const INTERNET: Endpoint = { ip: '198.51.100.7' };
export const INTERNET6: Endpoint = { ip: '2001:db8::7' };

export function podIn(namespace: string, labels: Record<string, string> = {}): Endpoint {
  return { pod: { namespace, labels } };
}

function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

function inCidr(ip: string, cidr: string): boolean {
  const addr = ipaddr.parse(ip);
  const [net, len] = ipaddr.parseCIDR(cidr);
  return addr.kind() === net.kind() && addr.match(net, len);
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, ep: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!ep.ip) return false;
    if (!inCidr(ep.ip, peer.ipBlock.cidr)) return false;
    return !(peer.ipBlock.except ?? []).some((x) => inCidr(ep.ip!, x));
  }
  if (!ep.pod) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': ep.pod.namespace })) return false;
  } else if (ep.pod.namespace !== policyNamespace) {
    return false;
  }
  return selectorMatches(peer.podSelector, ep.pod.labels);
}

function portMatches(ports: NetworkPolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') throw new Error(`named port ${p.port} in a policy: the evaluator needs numbers`);
    return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

function selecting(policies: NetworkPolicy[], ep: Endpoint, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
  if (!ep.pod) return [];
  const pod = ep.pod;
  return policies.filter((p) => {
    const types = p.spec?.policyTypes ?? (type === 'Ingress' ? ['Ingress'] : p.spec?.egress ? ['Egress'] : []);
    return p.metadata?.namespace === pod.namespace && types.includes(type) && selectorMatches(p.spec?.podSelector, pod.labels);
  });
}

export function egressAllows(policies: NetworkPolicy[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const sel = selecting(policies, from, 'Egress');
  if (sel.length === 0) return true;
  return sel.some((p) =>
    (p.spec?.egress ?? []).some(
      (r) => portMatches(r.ports, port, protocol) && (!r.to || r.to.length === 0 || r.to.some((peer) => peerMatches(peer, p.metadata!.namespace!, to))),
    ),
  );
}

export function ingressAllows(policies: NetworkPolicy[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const sel = selecting(policies, to, 'Ingress');
  if (sel.length === 0) return true;
  return sel.some((p) =>
    (p.spec?.ingress ?? []).some(
      (r) => portMatches(r.ports, port, protocol) && (!r.from || r.from.length === 0 || r.from.some((peer) => peerMatches(peer, p.metadata!.namespace!, from))),
    ),
  );
}

/** Both ends' policies allow the connection. */
export function mayConnect(policies: NetworkPolicy[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  return egressAllows(policies, from, to, port, protocol) && ingressAllows(policies, from, to, port, protocol);
}

// ------------------------------------------------------------------ strict validation

export const CRD_API_GROUPS = ['traefik.io/', 'cilium.io/', 'externaldns.k8s.io/', 'monitoring.coreos.com/'] as const;

export function isCrdBacked(o: Manifest): boolean {
  return CRD_API_GROUPS.some((g) => o.apiVersion.startsWith(g));
}

/**
 * Every object validates strictly. Custom resources, checked against the vendored upstream CRD
 * files, run as their own subtest so the output says how many were checked.
 */
export async function assertValid(t: TestContext, objects: Manifest[], opts: ValidateOptions = {}): Promise<void> {
  const core = objects.filter((o) => !isCrdBacked(o));
  const custom = objects.filter(isCrdBacked);
  assert.deepEqual(validateAll(core, opts), [], 'built-in kinds validate strictly');
  if (custom.length === 0) return;
  await t.test(`${custom.length} custom resources validate against the upstream CRDs`, () => {
    assert.deepEqual(validateAll(custom, opts), []);
  });
}

// ------------------------------------------------------------------ small parsers

/** "25,465" → [25, 465]; unset or empty → []. */
export function numList(v: string | undefined): number[] {
  return v ? v.split(',').map((s) => Number(s.trim())) : [];
}
export function strList(v: string | undefined): string[] {
  return v ? v.split(',').map((s) => s.trim()) : [];
}
export function sorted(ns: Iterable<number>): number[] {
  return [...new Set(ns)].sort((a, b) => a - b);
}
/** Does CIDR `outer` contain all of `inner`? */
export function cidrCovers(outer: string, inner: string): boolean {
  const [o, ol] = ipaddr.parseCIDR(outer);
  const [i, il] = ipaddr.parseCIDR(inner);
  return o.kind() === i.kind() && il >= ol && i.match(o, ol);
}
export function prefixLength(cidr: string): number {
  return ipaddr.parseCIDR(cidr)[1];
}

// ------------------------------------------------------------------ the built binary

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO_ROOT, 'bin', 'mailu-k8s.js');
const BUNDLE = join(REPO_ROOT, 'lib', 'bundle', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** A file's mtime, or undefined when it does not exist (another test process may be removing it right now). */
function mtimeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}

function buildIsCurrent(): boolean {
  const built = mtimeOf(BUNDLE);
  return built !== undefined && existsSync(join(REPO_ROOT, 'lib', 'index.js')) && built >= newestMtime(join(REPO_ROOT, 'src'));
}

/**
 * Makes sure bin/mailu-k8s.js runs the current sources: builds (scripts/build.mjs) when lib/ is
 * missing or older than src/. The sources must type-check first, because the build script clears
 * lib/ before compiling: a failed build would leave no binary for anyone. A lock directory keeps
 * concurrent test files from building at once.
 */
export function ensureBuilt(): void {
  if (buildIsCurrent()) return;
  const lock = join(REPO_ROOT, '.scratch', 'test-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the deadline belongs to a process that died.
      const since = mtimeOf(lock);
      if (since !== undefined && Date.now() - since > 120_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (buildIsCurrent()) return;
    const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
    const check = run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noEmit']);
    if (check.status !== 0) throw new Error(`cannot build the binary: src does not type-check\n${check.stdout}${check.stderr}`);
    const build = run(['scripts/build.mjs']);
    if (build.status !== 0 || !existsSync(BUNDLE)) throw new Error(`node scripts/build.mjs failed\n${build.stdout}${build.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built binary (bounded in time). */
export function cli(args: string[], opts: { cwd?: string } = {}): CliResult {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
