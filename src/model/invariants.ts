// Cross-field rules. The security invariants here are what keeps a Kubernetes Mailu from becoming
// an open relay or trusting spoofed client addresses; the CLI refuses a config that breaks one
// (exit 2) and warns (exit 0) on risky but legal choices.
import type { ConfigIssue } from '../config/errors.js';
import type { MailuConfig } from '../config/schema.js';
import { cidrOverlapAdvice, publicAddressWarnings } from './address-checks.js';
import { envPolicyIssues } from './env-policy.js';
import { decideExposure, type Exposure, traefikMinor, webHostnames } from './exposure.js';
import { domainListIssues, mailDomains } from '../config/domains.js';
import { clusterAddresses, covers, isWide, isWorld, isIpv6 } from './net.js';
import { platformWarnings } from './platform.js';
import { lifecycleChecks } from './lifecycle.js';
import { mailuApiIssues } from './mailu-api.js';
import { knobChecks } from './knobs.js';
import { MAIL_PORTS } from '../config/mail-ports.js';
import { decideTrust, type Trust } from './trust.js';
import { ciliumIpv6Warnings, nodeIpsIpv6Warnings } from './egress-checks.js';
import { decideEgress } from './egress.js';
import { serviceFamilyIssues } from './dual-stack.js';
import { workloadChecks } from './workloads.js';

export interface CheckResult {
  errors: ConfigIssue[];
  warnings: string[];
}

export function checkConfig(config: MailuConfig): CheckResult {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });

  // -- every list of trusted ranges, with its field path
  const trusted: [string, string[]][] = [['mailu.rateLimits.exemption', config.mailu.rateLimits.exemption]];
  const x = config.exposure;
  if (x.mode === 'traefik') {
    trusted.push(['exposure.traefik.trustedProxyCidrs', x.traefik.trustedProxyCidrs]);
    trusted.push(['exposure.traefik.loadBalancerProxyCidrs', x.traefik.loadBalancerProxyCidrs]);
  }
  if (x.mode === 'loadBalancer' && x.loadBalancer.proxyProtocol) {
    trusted.push(['exposure.loadBalancer.proxyProtocol.trustedCidrs', x.loadBalancer.proxyProtocol.trustedCidrs]);
  }
  if (config.web.kind !== 'none') trusted.push(['web.realIpFrom', config.web.realIpFrom]);
  for (const [path, list] of trusted) {
    list.forEach((c, i) => {
      if (isWorld(c)) err(`${path}[${i}]`, `${c} trusts every address on the internet; list only your proxies' addresses`);
      else if (isWide(c)) warnings.push(`${path}[${i}]: ${c} is a wide range to trust (wider than /16 or /48); narrow it to your proxies' addresses`);
    });
  }

  // -- mailu.env must not override decisions made from typed fields, nor switch off a protection
  errors.push(...envPolicyIssues(config.mailu.env));
  // -- nor may workloads.* and services.* (env, labels, replicas, nodes: see workloads.ts)
  const knobs = workloadChecks(config);
  errors.push(...knobs.errors);
  warnings.push(...knobs.warnings);

  // -- exposure
  const ports = x.ports;
  const dup = ports.filter((p, i) => ports.indexOf(p) !== i);
  if (dup.length) err('exposure.ports', `lists ${[...new Set(dup)].join(', ')} more than once`);
  if (config.tls.source === 'none') {
    ports.forEach((p, i) => {
      const m = MAIL_PORTS.find((mp) => mp.port === p);
      if (m?.implicitTls) err(`exposure.ports[${i}]`, `${p} is a TLS-only port but tls.source is "none"`);
      else if (m?.authenticated) err(`exposure.ports[${i}]`, `${p} carries passwords and must not be offered without TLS (tls.source is "none")`);
    });
  }
  if (x.mode === 'loadBalancer' && x.loadBalancer.externalTrafficPolicy === 'Cluster') {
    err(
      'exposure.loadBalancer.externalTrafficPolicy',
      'Cluster SNATs client connections to a cluster-internal address inside SUBNET, which Mailu relays for (open relay); use Local',
    );
  }
  if (x.mode === 'traefik') {
    for (const key of Object.keys(x.traefik.entryPoints)) {
      if (!ports.includes(Number(key))) err(`exposure.traefik.entryPoints.${key}`, `port ${key} is not in exposure.ports`);
    }
    const { minor } = traefikMinor(x.traefik);
    if (x.traefik.version === 2 && minor > 11) err('exposure.traefik.minorVersion', 'Traefik 2 ends at 2.11');
    if (x.traefik.version === 2 && minor < 10) {
      err('exposure.traefik.minorVersion', 'the traefik.io/v1alpha1 resources mailu-k8s writes need Traefik 2.10 or later');
    }
    if (config.web.kind === 'none') warnings.push('exposure.mode traefik with web.kind none: the web UI is not exposed; set web.kind (e.g. traefik)');
    if (!x.traefik.entryPointPolicy.enabled) {
      warnings.push(
        `exposure.mode traefik: Traefik passes each client's address on, so a pod connecting to Traefik's mail entry points arrives inside SUBNET and may relay; set exposure.traefik.entryPointPolicy.enabled: true to emit the NetworkPolicy in namespace ${config.cluster.traefikNamespace} that admits them only from outside the cluster and from namespace ${config.namespace} (applying it needs permission to write NetworkPolicies there)`,
      );
    }
  }
  if (x.mode === 'loadBalancer' && x.loadBalancer.proxyProtocol && ports.includes(25)) {
    err(
      'exposure.loadBalancer.proxyProtocol',
      'cannot carry port 25: with PROXY on 25 Mailu sends its own mail (sieve redirects and vacation replies, fetched mail) to HOSTNAMES[0]:25; inside the cluster that reaches front without a PROXY header (dropped: lost mail), or hairpins through the load balancer with a node address (relay refused). Remove 25 from exposure.ports for this load balancer, or use exposure.mode traefik (Traefik adds PROXY for in-cluster senders too), hostPort, or a load balancer without proxyProtocol (externalTrafficPolicy: Local keeps client addresses)',
    );
  }
  errors.push(...serviceFamilyIssues(config));
  if (x.mode === 'hostPort' && x.hostPort.daemonSet && Object.keys(x.hostPort.nodeSelector).length === 0) {
    warnings.push('exposure.hostPort.daemonSet without nodeSelector: front binds mail ports on every node');
  }

  // -- web behind a proxy: without its addresses admin sees the proxy's pod for every client
  const w = config.web;
  if (w.kind !== 'none' && w.realIpFrom.length === 0) {
    warnings.push(
      `web.realIpFrom is empty with web.kind ${w.kind}: Mailu sees the ${w.kind === 'gatewayApi' ? 'gateway' : 'ingress controller'}'s pod address for every web client, so login rate limits hit all users at once and logs show no client; set web.realIpFrom to the addresses its pods connect from (e.g. ${config.cluster.podCidr}, or a narrower pod range) and make sure it forwards X-Forwarded-For`,
    );
  }

  // -- egress
  const e = config.egress;
  if (e.mode === 'relay' && e.port === 465) {
    err('egress.port', '465 needs TLS from the first byte (wrapper mode), which Mailu\'s postfix does not configure for a relay; use the relay\'s STARTTLS submission port 587 (TLS is then required when credentials are set)');
  }
  if (e.mode === 'ciliumGateway') {
    if (e.egressIP && e.interface) err('egress.interface', 'set egressIP or interface, not both (Cilium ignores a policy with both)');
    if (e.egressIP && isIpv6(e.egressIP)) err('egress.egressIP', 'must be IPv4 (the gateway SNATs IPv4)');
    warnings.push(...ciliumIpv6Warnings(config, e));
  }
  if (e.mode === 'nodeIps') warnings.push(...nodeIpsIpv6Warnings(config, e));
  // (No sending address known: the DNS plan warns, naming the field to set.)

  // -- DNS
  const d = config.dns;
  if (d.addresses.length > 0 && d.operator.enabled) {
    // Static addresses win (frontAddressOwner); the operator may still keep SPF or Mailu's domains.
    if (!decideEgress(config).liveFromOperator && !d.operator.mailuApi.enabled) {
      err('dns.addresses', 'static addresses and dns.operator.enabled both publish the A record, and the operator has nothing else to keep (no live SPF, no dns.operator.mailuApi); choose one');
    } else if (x.mode === 'hostPort') {
      warnings.push('dns.addresses is set: the operator keeps SPF or Mailu\'s domains, but the A/AAAA record stays at these static addresses instead of following the front pod (leave dns.addresses out for that)');
    }
  }
  if (d.externalDns.podSource && d.operator.enabled) err('dns.externalDns.podSource', 'the pod source and dns.operator would both publish the A record; choose one');
  if (d.externalDns.podSource && x.mode !== 'hostPort') err('dns.externalDns.podSource', 'only works with exposure.mode hostPort (the record is the node\'s address)');
  if (d.operator.enabled && x.mode !== 'hostPort' && !decideEgressNeedsOperator(config) && !d.operator.mailuApi.enabled) {
    err('dns.operator.enabled', 'the operator publishes node addresses and Mailu\'s domains: it is for exposure.mode hostPort, egress from node/gateway IPs or dns.operator.mailuApi');
  }
  errors.push(...mailuApiIssues(config));
  errors.push(...domainListIssues(config));

  // -- cluster addresses
  const cl = config.cluster;
  if (covers(cl.serviceCidr, cl.podCidr) || covers(cl.podCidr, cl.serviceCidr)) {
    err('cluster.serviceCidr', cidrOverlapAdvice(cl.podCidr, cl.serviceCidr));
  }
  if (cl.podCidr6 && cl.serviceCidr6 && (covers(cl.serviceCidr6, cl.podCidr6) || covers(cl.podCidr6, cl.serviceCidr6))) {
    err('cluster.serviceCidr6', `${cl.serviceCidr6} overlaps cluster.podCidr6 ${cl.podCidr6}; a cluster's pod and service ranges never overlap: set the IPv6 halves of --cluster-cidr and --service-cidr`);
  }
  const addrs = clusterAddresses(config);
  for (const [field, ip] of [['cluster.dnsServiceIp', addrs.clusterDns], ['cluster.resolverServiceIp', addrs.resolver]] as const) {
    if (!covers(cl.serviceCidr, ip)) err(field, `${ip} is not inside cluster.serviceCidr ${cl.serviceCidr}${config.cluster[field.split('.')[1] as 'dnsServiceIp'] ? '' : ' (default; set it explicitly)'}`);
  }
  if (addrs.clusterDns === addrs.resolver) {
    err('cluster.resolverServiceIp', `must differ from the cluster DNS address ${addrs.clusterDns} (the resolver forwards cluster names there)`);
  }

  // -- misc
  const hosts = config.hostnames;
  hosts.forEach((h, i) => {
    if (hosts.indexOf(h) !== i) err(`hostnames[${i}]`, `${h} is listed twice`);
  });
  if (config.database.type === 'cnpg' && config.storage.mode === 'shared') {
    warnings.push('database.type cnpg keeps its own volumes; storage.mode shared covers Mailu components only');
  }
  if (config.redis.mode === 'external' && config.redis.port !== 6379) {
    warnings.push('redis.port: Mailu components get REDIS_ADDRESS as host:port; check your Mailu version honours a non-default port');
  }

  warnings.push(...platformWarnings(config));
  warnings.push(...publicAddressWarnings(config));
  warnings.push(...certificateWarnings(config));
  // -- the Mailu release and the backup section (lifecycle.ts)
  const lifecycle = lifecycleChecks(config);
  errors.push(...lifecycle.errors);
  warnings.push(...lifecycle.warnings);
  // -- overrides, storage claims, typed Mailu settings, metrics (knobs.ts)
  const production = knobChecks(config);
  errors.push(...production.errors);
  warnings.push(...production.warnings);

  // -- the decisions themselves must hold the invariants
  if (errors.length === 0) {
    const exp = decideExposure(config);
    const trust = decideTrust(config, exp);
    errors.push(...trustViolations(config, exp, trust));
  }
  return { errors, warnings };
}

/** Let's Encrypt's limit of names on one certificate; many mail domains reach it. */
export const CERTIFICATE_MAX_NAMES = 100;

function certificateWarnings(config: MailuConfig): string[] {
  if (config.tls.source !== 'certManager') return [];
  const names = webHostnames(config).length;
  if (names <= CERTIFICATE_MAX_NAMES) return [];
  return [
    `domains: the Certificate names ${names} hosts (hostnames plus the autoconfig, autodiscover and mta-sts names of ${mailDomains(config).length} mail domains); ` +
      `Let's Encrypt issues at most ${CERTIFICATE_MAX_NAMES} names per certificate, so issuance fails there: spread the domains over instances or use an issuer without that limit`,
  ];
}

function decideEgressNeedsOperator(config: MailuConfig): boolean {
  const e = config.egress;
  return e.mode === 'nodeIps' || e.mode === 'ciliumGateway';
}

/**
 * The security invariants, stated over the computed decisions. Empty for every valid config;
 * tests run it over the whole matrix of modes.
 */
export function trustViolations(config: MailuConfig, exp: Exposure, trust: Trust): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const c of trust.realIpFrom) {
    if (isWorld(c)) out.push({ path: 'REAL_IP_FROM', message: `${c} trusts everyone` });
  }
  if (trust.proxyProtocol.length > 0 && trust.realIpFrom.length === 0) {
    out.push({ path: 'PROXY_PROTOCOL', message: 'PROXY protocol without REAL_IP_FROM: Mailu would reject or misattribute every connection' });
  }
  if (trust.realIpHeader && trust.proxyProtocol.some((p) => p === 80 || p === 443)) {
    out.push({ path: 'REAL_IP_HEADER', message: 'must stay unset with PROXY protocol on 80/443 (the header would override the PROXY address)' });
  }
  // A public port reached without PROXY must arrive with the client's own source address.
  const sourcePreserving =
    exp.mode === 'hostPort' ||
    (config.exposure.mode === 'loadBalancer' && config.exposure.loadBalancer.externalTrafficPolicy === 'Local');
  for (const p of exp.publicPorts) {
    if (!p.proxy && !sourcePreserving) {
      out.push({ path: 'exposure', message: `port ${p.port} would reach front with a cluster-internal source address (inside SUBNET): open relay` });
    }
  }
  if (!covers(trust.subnet, config.cluster.podCidr)) out.push({ path: 'SUBNET', message: 'does not cover cluster.podCidr' });
  if (config.cluster.podCidr6 && (!trust.subnet6 || !covers(trust.subnet6, config.cluster.podCidr6))) {
    out.push({ path: 'SUBNET6', message: 'does not cover cluster.podCidr6' });
  }
  return out;
}
