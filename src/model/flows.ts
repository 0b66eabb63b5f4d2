// Mailu's internal call graph as data (who connects to whom, on which ports, and why). The chart
// turns it into NetworkPolicies: a default-deny for the namespace plus exactly these allowances.
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { type ComponentModel, frontInternalPorts } from './components.js';
import type { Exposure } from './exposure.js';
import { traefikContainerPort } from './ports.js';

export type Peer =
  | { kind: 'component'; component: ComponentName }
  /** Pods in this namespace with these labels (CNPG instances, the DNS operator). */
  | { kind: 'pods'; name: string; labels: Record<string, string> }
  /** Pods in another namespace (undefined namespace = any namespace). */
  | { kind: 'namespace'; namespace?: string; labels?: Record<string, string> }
  | { kind: 'cidrs'; cidrs: string[]; except: string[] };

export interface PortRule {
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface Flow {
  from: Peer;
  to: Peer;
  ports: PortRule[];
  why: string;
}

const tcp = (...ports: number[]): PortRule[] => ports.map((port) => ({ port, protocol: 'TCP' }));
const dns: PortRule[] = [
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
];

export const OPERATOR_POD = 'dns-operator';
/** cert-manager's HTTP-01 solver pods (labelled by cert-manager) and the port they answer on. */
export const ACME_SOLVER: Peer = { kind: 'pods', name: 'acme-solver', labels: { 'acme.cert-manager.io/http01-solver': 'true' } };
export const ACME_SOLVER_PORT = 8089;
export const DB_POD = 'db';

/**
 * The internet, per family: everything but the cluster's own pod and service ranges (a pod
 * reaching front directly or through a ClusterIP arrives with an address inside SUBNET or
 * SUBNET6, which Mailu relays for). IPv6 only on a dual-stack cluster.
 */
export function internetPeers(config: MailuConfig): Peer[] {
  const c = config.cluster;
  const v4: Peer = { kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [c.podCidr, c.serviceCidr] };
  const v6: Peer[] = c.podCidr6 ? [{ kind: 'cidrs', cidrs: ['::/0'], except: [c.podCidr6, ...(c.serviceCidr6 ? [c.serviceCidr6] : [])] }] : [];
  return [v4, ...v6];
}

/** Every address of the cluster's families (external services that may sit anywhere, even inside). */
function anyAddress(config: MailuConfig): Peer {
  return { kind: 'cidrs', cidrs: ['0.0.0.0/0', ...(config.cluster.podCidr6 ? ['::/0'] : [])], except: [] };
}

export function decideFlows(config: MailuConfig, exp: Exposure, components: Map<ComponentName, ComponentModel>): Flow[] {
  const flows: Flow[] = [];
  const has = (c: ComponentName) => components.has(c);
  const comp = (component: ComponentName): Peer => ({ kind: 'component', component });
  const internet = internetPeers(config);
  const link = (from: ComponentName, to: ComponentName, ports: PortRule[], why: string) => {
    if (has(from) && has(to)) flows.push({ from: comp(from), to: comp(to), ports, why });
  };
  const out = (from: ComponentName | Peer, ports: PortRule[], why: string, to: Peer[] = internet) => {
    const src = typeof from === 'string' ? comp(from) : from;
    if (typeof from === 'string' && !has(from)) return;
    for (const t of to) flows.push({ from: src, to: t, ports, why });
  };
  const port25Proxied = exp.proxyPorts.includes(25);

  // front: the entry point for everything public.
  link('front', 'admin', tcp(8080), 'authentication (auth_http) and the admin UI');
  link('front', 'antispam', tcp(11334), 'rspamd web UI under /admin/antispam');
  link('front', 'webmail', tcp(80), 'webmail UI');
  link('front', 'webdav', tcp(5232), 'CalDAV/CardDAV');
  link('front', 'imap', tcp(143, 110, 4190, 2525), 'proxied IMAP/POP3/ManageSieve and LMTP delivery');
  link('front', 'smtp', tcp(25, 10025), 'inbound mail (XCLIENT) and authenticated submission');

  link('smtp', 'admin', tcp(8080), 'postfix lookup maps (podop)');
  link('smtp', 'antispam', tcp(11332), 'milter');
  link('smtp', 'front', tcp(2525), 'LMTP delivery through front');
  link('imap', 'admin', tcp(8080), 'dovecot lookups (podop)');
  link('imap', 'antispam', tcp(11334), 'learn ham/spam (rspamc)');
  link('imap', 'tika', tcp(9998), 'attachment text extraction');
  link('antispam', 'admin', tcp(8080), 'local domains and DKIM keys');
  link('antispam', 'redis', tcp(6379), 'rspamd statistics and caches');
  link('antispam', 'antivirus', tcp(3310), 'virus scanning');
  link('antispam', 'oletools', tcp(11343), 'macro scanning');
  link('admin', 'redis', tcp(6379), 'rate limits and sessions');
  link('webmail', 'front', tcp(...frontInternalPorts(exp).map((x) => x.port).filter((x) => x !== 2525)), 'webmail IMAP, submission and sieve');
  // Admin sends welcome mail and announcements itself (Mailu's User.sendmail: LMTP to front:2525).
  link('admin', 'front', tcp(2525), 'mail sent by admin itself (welcome, announcements) over LMTP');
  link('fetchmail', 'admin', tcp(8080), 'fetch account list');
  link('fetchmail', 'front', tcp(2525), 'delivery of fetched mail');

  // Sieve redirects/vacation (imap) and fetchmail submit on port 25. With PROXY on 25 (only
  // possible in Traefik mode: invariants.ts refuses it for a load balancer) Mailu sends them to
  // HOSTNAMES[0]:25 instead: out to the public address, or short-circuited inside the cluster to
  // Traefik's pods, which add the PROXY header.
  if (port25Proxied && config.exposure.mode === 'traefik') {
    for (const c of ['imap', 'fetchmail'] as const) {
      out(c, tcp(25), 'mail to the public MX (PROXY on 25: Mailu submits via HOSTNAMES[0])');
      out(c, tcp(traefikContainerPort(25)), 'mail to the public MX, short-circuited to Traefik inside the cluster', [
        { kind: 'namespace', namespace: config.cluster.traefikNamespace },
      ]);
    }
  } else {
    link('imap', 'front', tcp(25), 'sieve redirect/vacation mail');
    link('fetchmail', 'front', tcp(25), 'fetched mail');
  }

  // Outbound to the internet: only where Mailu needs it.
  if (config.egress.mode === 'relay') out('smtp', tcp(config.egress.port), `relay host ${config.egress.host}`);
  else out('smtp', tcp(25), 'outbound mail to other MX hosts');
  // Postfix's MTA-STS resolver fetches receivers' policies over HTTPS.
  if (config.egress.mode !== 'relay') out('smtp', tcp(443), 'MTA-STS policies of receiving domains');
  out('fetchmail', tcp(110, 143, 993, 995), 'remote POP3/IMAP accounts');
  out('antispam', [{ port: 11335, protocol: 'UDP' }, ...tcp(443)], 'rspamd fuzzy hashes and map updates');
  out('antivirus', tcp(443, 80), 'freshclam signature downloads');

  // DNS: every component asks the validating resolver; only the resolver talks to DNS servers.
  for (const c of components.keys()) {
    if (c !== 'resolver') link(c, 'resolver', dns, 'DNS through the DNSSEC-validating resolver');
  }
  out('resolver', dns, 'recursive DNS resolution');
  out('resolver', dns, 'cluster names forwarded to the cluster DNS', [
    { kind: 'namespace', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  ]);

  // External dependencies reached by admin/webmail/antispam.
  const db = config.database;
  if (db.type === 'postgresql' || db.type === 'mysql') {
    const port = db.port ?? (db.type === 'mysql' ? 3306 : 5432);
    // ipBlocks may not match pods (Cilium): an in-cluster database needs a pod peer as well.
    const any: Peer[] = [anyAddress(config), { kind: 'namespace' }];
    out('admin', tcp(port), 'external database', any);
    if (config.components.webmail === 'roundcube' && db.roundcube) out('webmail', tcp(port), 'external database (Roundcube)', any);
  }
  if (db.type === 'cnpg') {
    const dbPeer: Peer = { kind: 'pods', name: DB_POD, labels: { 'cnpg.io/cluster': `${config.instance}-db` } };
    for (const c of ['admin', 'webmail'] as const) {
      if (has(c) && (c === 'admin' || config.components.webmail === 'roundcube')) flows.push({ from: comp(c), to: dbPeer, ports: tcp(5432), why: 'PostgreSQL (CloudNativePG)' });
    }
    flows.push({ from: dbPeer, to: dbPeer, ports: tcp(5432, 8000), why: 'replication and instance manager' });
    flows.push({ from: { kind: 'namespace', namespace: 'cnpg-system' }, to: dbPeer, ports: tcp(8000, 5432), why: 'CloudNativePG operator status checks' });
    flows.push({ from: dbPeer, to: anyAddress(config), ports: tcp(443, 6443), why: 'instance manager talks to the Kubernetes API' });
    // Backups to an object store on another port (MinIO's 9000, plain http): 443 is open above.
    const store = config.backup?.database;
    const storePort = store?.method === 'barmanObjectStore' ? objectStorePort(store.endpointURL) : 443;
    if (storePort !== 443) {
      for (const to of [anyAddress(config), { kind: 'namespace' }] as Peer[]) {
        flows.push({ from: dbPeer, to, ports: tcp(storePort), why: 'backups to the object store (backup.database.endpointURL)' });
      }
    }
    flows.push({ from: dbPeer, to: { kind: 'namespace', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, ports: dns, why: 'cluster DNS' });
  }
  if (config.redis.mode === 'external') {
    const any: Peer[] = [anyAddress(config), { kind: 'namespace' }];
    out('admin', tcp(config.redis.port), 'external Redis', any);
    out('antispam', tcp(config.redis.port), 'external Redis', any);
  }

  // Inbound from outside the namespace.
  const mailPorts = exp.publicPorts.map((p) => p.port);
  if (exp.mode === 'traefik') {
    const traefik: Peer = { kind: 'namespace', namespace: config.cluster.traefikNamespace };
    flows.push({ from: traefik, to: comp('front'), ports: tcp(...mailPorts), why: 'mail routed by Traefik (PROXY v2)' });
  } else {
    // The world, but not the cluster's own pod and service ranges: a pod connecting to front's
    // public ports would arrive with an address inside SUBNET, which Mailu relays for.
    for (const src of internet) {
      flows.push({ from: src, to: comp('front'), ports: tcp(...mailPorts), why: 'public mail (and web) ports; client addresses preserved; cluster ranges excluded (they are inside SUBNET)' });
    }
    // A load balancer that sends PROXY may itself sit in a cluster range: admit exactly it.
    if (exp.proxyTrustedCidrs.length > 0) {
      flows.push({ from: { kind: 'cidrs', cidrs: exp.proxyTrustedCidrs, except: [] }, to: comp('front'), ports: tcp(...mailPorts), why: 'the PROXY-sending load balancer' });
    }
  }
  if (config.web.kind !== 'none') {
    // One setting says where Traefik runs, for web as for mail.
    const ns = config.web.kind === 'traefik' ? config.cluster.traefikNamespace : config.web.namespace;
    const proxy: Peer = ns ? { kind: 'namespace', namespace: ns } : { kind: 'namespace' };
    flows.push({ from: proxy, to: comp('front'), ports: tcp(80), why: 'HTTP from the ingress/gateway' });
    // cert-manager's HTTP-01 solver pods run in this namespace, behind the same ingress/gateway;
    // under default-deny the challenge would never reach them and the certificate never issue.
    if (config.tls.source === 'certManager') {
      flows.push({ from: proxy, to: ACME_SOLVER, ports: tcp(ACME_SOLVER_PORT), why: 'ACME HTTP-01 challenges to cert-manager\'s solver' });
    }
  }

  if (config.dns.operator.enabled) {
    const op: Peer = { kind: 'pods', name: OPERATOR_POD, labels: { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': config.instance, 'app.kubernetes.io/component': OPERATOR_POD } };
    flows.push({ from: op, to: anyAddress(config), ports: tcp(443, 6443), why: 'the operator watches and writes through the Kubernetes API' });
    if (config.dns.operator.mailuApi.enabled && has('admin')) {
      // Mailu's API on admin's own port (not through front), and the cluster DNS for admin's name.
      flows.push({ from: op, to: comp('admin'), ports: tcp(8080), why: 'the operator reads mail domains and DKIM keys from Mailu\'s API' });
      flows.push({ from: op, to: { kind: 'namespace', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, ports: dns, why: 'the operator resolves admin\'s Service name' });
    }
    // Without metrics.enabled the pods' prometheus.io annotations invite any scraper; with it, only
    // the monitoring namespace's Prometheus.
    const scraper = monitoringPeer(config) ?? { kind: 'namespace' };
    flows.push({ from: scraper, to: op, ports: tcp(config.dns.operator.metricsPort), why: 'metrics scraping' });
  }
  const prometheus = monitoringPeer(config);
  if (prometheus) flows.push({ from: prometheus, to: comp('antispam'), ports: tcp(RSPAMD_CONTROLLER_PORT), why: 'Prometheus scrapes rspamd\'s /metrics (metrics.enabled)' });
  return flows;
}

/** rspamd's controller: web UI, learning and the Prometheus /metrics endpoint. */
export const RSPAMD_CONTROLLER_PORT = 11334;

/** Prometheus's pods in the monitoring namespace, when metrics are on. */
export function monitoringPeer(config: MailuConfig): Peer | undefined {
  const m = config.metrics;
  if (!m.enabled) return undefined;
  return { kind: 'namespace', namespace: m.namespace, ...(Object.keys(m.podLabels).length > 0 ? { labels: m.podLabels } : {}) };
}

/** The port an S3 endpoint URL is reached on (AWS and the like: 443). */
export function objectStorePort(endpointURL: string | undefined): number {
  if (!endpointURL) return 443;
  const url = new URL(endpointURL);
  return url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
}
