// Mailu's internal call graph as data (who connects to whom, on which ports, and why). The chart
// turns it into NetworkPolicies: a default-deny for the namespace plus exactly these allowances.
import type { ComponentName, MailuConfig } from '../config/schema.js';
import type { ComponentModel } from './components.js';
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
export const DB_POD = 'db';

export function internetPeers(config: MailuConfig): Peer[] {
  const v4: Peer = { kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [config.cluster.podCidr, config.cluster.serviceCidr] };
  const v6: Peer[] = config.cluster.podCidr6 ? [{ kind: 'cidrs', cidrs: ['::/0'], except: [config.cluster.podCidr6] }] : [];
  return [v4, ...v6];
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
  link('webmail', 'front', tcp(10143, 10025, 14190), 'webmail IMAP, submission and sieve');
  link('fetchmail', 'admin', tcp(8080), 'fetch account list');
  link('fetchmail', 'front', tcp(2525), 'delivery of fetched mail');

  // Sieve redirects/vacation (imap) and fetchmail submit on port 25. With PROXY on 25 Mailu sends
  // them to HOSTNAMES[0] instead, through the public path.
  if (port25Proxied) {
    // Mailu then submits via HOSTNAMES[0]:25: out through the load balancer (hairpin), or
    // short-circuited inside the cluster to Traefik's pods or, for a LoadBalancer Service, to front.
    for (const c of ['imap', 'fetchmail'] as const) {
      out(c, tcp(25), 'mail to the public MX (PROXY on 25: Mailu submits via HOSTNAMES[0])');
      if (config.exposure.mode === 'traefik') {
        out(c, tcp(traefikContainerPort(25)), 'mail to the public MX, short-circuited to Traefik inside the cluster', [
          { kind: 'namespace', namespace: config.exposure.traefik.namespace },
        ]);
      } else {
        link(c, 'front', tcp(25), 'mail to the public MX, short-circuited to front inside the cluster');
      }
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
    const any: Peer[] = [{ kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [] }, { kind: 'namespace' }];
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
    flows.push({ from: dbPeer, to: { kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [] }, ports: tcp(443, 6443), why: 'instance manager talks to the Kubernetes API' });
    flows.push({ from: dbPeer, to: { kind: 'namespace', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, ports: dns, why: 'cluster DNS' });
  }
  if (config.redis.mode === 'external') {
    const any: Peer[] = [{ kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [] }, { kind: 'namespace' }];
    out('admin', tcp(config.redis.port), 'external Redis', any);
    out('antispam', tcp(config.redis.port), 'external Redis', any);
  }

  // Inbound from outside the namespace.
  const mailPorts = exp.publicPorts.map((p) => p.port);
  if (exp.mode === 'traefik') {
    const traefik: Peer = { kind: 'namespace', namespace: config.exposure.mode === 'traefik' ? config.exposure.traefik.namespace : 'traefik' };
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
    const ns = config.web.namespace;
    flows.push({ from: ns ? { kind: 'namespace', namespace: ns } : { kind: 'namespace' }, to: comp('front'), ports: tcp(80), why: 'HTTP from the ingress/gateway' });
  }

  if (config.dns.operator.enabled) {
    const op: Peer = { kind: 'pods', name: OPERATOR_POD, labels: { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': config.instance, 'app.kubernetes.io/component': OPERATOR_POD } };
    flows.push({ from: op, to: { kind: 'cidrs', cidrs: ['0.0.0.0/0'], except: [] }, ports: tcp(443, 6443), why: 'the operator watches and writes through the Kubernetes API' });
    flows.push({ from: { kind: 'namespace' }, to: op, ports: tcp(config.dns.operator.metricsPort), why: 'metrics scraping' });
  }
  return flows;
}
