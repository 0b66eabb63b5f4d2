// What the rendered configs must mean, as functions returning the list of violations (empty = ok),
// so one failing assertion names every problem of a case at once.
import ipaddr from 'ipaddr.js';
import type { Container, Service } from 'kubernetes-types/core/v1.js';
import { ADDRESS_PORTS, type Endpoint, cidrCovers, egressAllows, mayConnect, numList, serviceNameOf } from '../support/chart-helpers.js';
import { dovecotListeners, nginxAll, nginxBlock, nginxListens, parseDovecot, parseNginx } from '../support/mailu/conf-parsers.js';
import type { Dialed } from '../support/mailu/dials.js';
import type { Bundle } from './bundle.js';

/** Listeners on front's pod address (nginx + its Dovecot proxy), loopback-only ones left out. */
export interface FrontListener {
  port: number;
  proxy: boolean;
  by: string;
}

export function frontListeners(b: Bundle): FrontListener[] {
  const nginx = nginxListens(parseNginx(b.front.files['/etc/nginx/nginx.conf']!))
    .filter((l) => !/^(127\.|\[::1\]|localhost)/.test(l.address))
    .map((l) => ({ port: l.port, proxy: l.proxyProtocol, by: `nginx ${l.context}` }));
  const dovecot = dovecotListeners(parseDovecot(b.front.files['/etc/dovecot/proxy.conf']!)).map((l) => ({
    port: l.port, proxy: l.haproxy, by: `dovecot ${l.service}/${l.name}`,
  }));
  return [...nginx, ...dovecot];
}

export const sortedSet = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

/** Internal listeners Mailu's front opens for the other components (14190 only inside Mailu's 4190 block). */
export function internalPorts(ports: number[]): number[] {
  return sortedSet([2525, 10025, 10143, ...(ports.includes(4190) ? [14190] : [])]);
}

export function isEveryone(cidr: string): boolean {
  const [addr, len] = ipaddr.parseCIDR(cidr);
  return len === 0 || (addr.kind() === 'ipv6' && cidrCovers(cidr, '::ffff:0.0.0.0/96') && len <= 96);
}

/** An address inside `cidr` other than the network address (for "a host in that range" checks). */
export function addressIn(cidr: string): string {
  const [net, len] = ipaddr.parseCIDR(cidr);
  const bytes = net.toByteArray();
  if (len < bytes.length * 8) bytes[bytes.length - 1] = bytes[bytes.length - 1]! | 1;
  return ipaddr.fromByteArray(bytes).toString();
}

/** Trusted-network lists Mailu rendered, by where they live. */
export function trustLists(b: Bundle): Record<string, string[]> {
  const conf = parseNginx(b.front.files['/etc/nginx/nginx.conf']!);
  const realIp = (ctx: 'http' | 'mail') => nginxAll(nginxBlock(conf, ctx), 'set_real_ip_from').map((d) => d.args[0]!);
  const split = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);
  return {
    'nginx http set_real_ip_from': realIp('http'),
    'nginx mail set_real_ip_from': realIp('mail'),
    'front dovecot haproxy_trusted_networks': split(parseDovecot(b.front.files['/etc/dovecot/proxy.conf']!).settings.haproxy_trusted_networks),
    'imap dovecot login_trusted_networks': split(parseDovecot(b.imap.files['/etc/dovecot/dovecot.conf']!).settings.login_trusted_networks),
  };
}

// ------------------------------------------------------------------ dials → Services → pods → policies

interface Target {
  endpoint: Endpoint;
  port: number;
  component?: string;
  /** A short description of where the dial lands. */
  what: string;
}

function workloadContainers(b: Bundle, component: string): Container[] {
  return b.r.podSpec(component).containers;
}

function selects(sel: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return !!sel && Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** The Service port → the pod of our component behind it, or why not. */
function viaService(b: Bundle, d: Dialed, svcName: string): Target | string {
  const svc = b.r.find('Service', svcName) as unknown as Service | undefined;
  if (!svc) return `Service ${svcName} does not exist`;
  const sp = svc.spec?.ports?.find((p) => p.port === d.port);
  if (!sp) return `Service ${svcName} has no port ${d.port} (has ${svc.spec?.ports?.map((p) => p.port).join(', ')})`;
  const comps = b.r.components().filter((c) => selects(svc.spec?.selector, b.r.podLabels(c)));
  if (comps.length !== 1) return `Service ${svcName} selects ${comps.length} components (${comps.join(', ')})`;
  const comp = comps[0]!;
  const cports = workloadContainers(b, comp).flatMap((c) => c.ports ?? []);
  const tp = sp.targetPort ?? sp.port;
  const cp = typeof tp === 'number' ? cports.find((p) => p.containerPort === tp) : cports.find((p) => p.name === tp);
  if (!cp) return `Service ${svcName}:${d.port} targets ${tp}, which no container of ${comp} declares`;
  return { endpoint: b.r.pod(comp), port: cp.containerPort, component: comp, what: `${comp}:${cp.containerPort} via Service ${svcName}` };
}

function resolveDial(b: Bundle, d: Dialed): Target | string | 'external' {
  if (d.host === '') return 'empty host: the template rendered an unset address';
  const ns = b.r.namespace;
  const svcName = serviceNameOf(d.host, ns);
  if (svcName !== undefined) {
    // CloudNativePG creates <cluster>-rw itself; its pods carry cnpg.io/cluster.
    const cnpg = /^(.*)-(rw|ro|r)$/.exec(svcName);
    if (cnpg && b.r.find('Cluster', cnpg[1]!)) {
      return { endpoint: { pod: { namespace: ns, labels: { 'cnpg.io/cluster': cnpg[1]! } } }, port: d.port, what: `CloudNativePG ${cnpg[1]}` };
    }
    return viaService(b, d, svcName);
  }
  if (ipaddr.isValid(d.host)) return { endpoint: { ip: d.host }, port: d.port, what: `address ${d.host}` };
  return 'external';
}

/** The port is really open: front's listeners come from the rendered configs. */
function listening(b: Bundle, t: Target): string | undefined {
  if (t.component !== 'front') return undefined;
  const ports = frontListeners(b).map((l) => l.port);
  return ports.includes(t.port) ? undefined : `front's rendered configs do not listen on ${t.port} (listen: ${sortedSet(ports).join(', ')})`;
}

/** Public names Mailu dials on purpose (PROXY-on-25 hairpin); everything else must be ours. */
function allowedExternal(b: Bundle, d: Dialed): boolean {
  const primary = b.views.front!.env.HOSTNAMES!.split(',')[0];
  const relay = b.views.smtp!.env.RELAYHOST;
  return (d.host === primary && d.port === 25) || (relay !== undefined && relay.includes(d.host));
}

export function dialProblems(b: Bundle): string[] {
  const problems: string[] = [];
  const policies = b.r.policies();
  // Loopback dials stay inside the pod (rspamd's fuzzy worker, nginx's auth server for the mail module).
  for (const d of b.dials.filter((x) => !/^(127\.|::1$|localhost$)/.test(x.host))) {
    const label = `${d.from} → ${d.host}:${d.port} (${d.where})`;
    const t = resolveDial(b, d);
    if (t === 'external') {
      if (!allowedExternal(b, d)) problems.push(`${label}: not an address of this deployment`);
      continue;
    }
    if (typeof t === 'string') {
      problems.push(`${label}: ${t}`);
      continue;
    }
    const closed = listening(b, t);
    if (closed) problems.push(`${label}: ${closed}`);
    const from = b.r.pod(d.from);
    const ok = t.endpoint.pod ? mayConnect(policies, from, t.endpoint, t.port) : egressAllows(policies, from, t.endpoint, t.port);
    if (!ok) problems.push(`${label}: the NetworkPolicies do not admit ${d.from} → ${t.what}`);
  }
  return problems;
}

/** Every *_ADDRESS a container sees names a Service of ours that selects the component it is named after. */
export function addressProblems(b: Bundle): string[] {
  const problems: string[] = [];
  for (const [component, view] of Object.entries(b.views)) {
    for (const [name, value] of Object.entries(view!.env).filter(([k]) => k.endsWith('_ADDRESS'))) {
      const expected = ADDRESS_PORTS[name]?.component;
      const svcName = serviceNameOf(value, b.r.namespace);
      const svc = svcName ? (b.r.find('Service', svcName) as unknown as Service | undefined) : undefined;
      if (!svc) {
        problems.push(`${component}: ${name}=${value} is not a Service of this deployment`);
        continue;
      }
      if (!expected) problems.push(`${component}: ${name} is not an address the tests know; add it to ADDRESS_PORTS`);
      else if (!b.r.hasComponent(expected) || !selects(svc.spec?.selector, b.r.podLabels(expected))) {
        problems.push(`${component}: ${name}=${value} does not select ${expected}`);
      }
    }
  }
  return problems;
}

export { numList };
