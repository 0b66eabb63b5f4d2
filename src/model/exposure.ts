// How traffic reaches front: which public ports exist, through which mechanism, and whether each
// one carries PROXY protocol. Every consumer of ports (PORTS, PROXY_PROTOCOL, hostPorts, Services,
// Traefik routes, NetworkPolicies, SRV records) reads the result of decideExposure().
import type { MailuConfig } from '../config/schema.js';
import type { MailPort } from '../config/mail-ports.js';
import { domainSettings, mailDomains } from '../config/domains.js';
import { publicServiceFamilies, type ServiceFamilies } from './dual-stack.js';
import { HTTP_PORTS, normalisePorts, SIEVE_PORT } from './ports.js';

export type TlsFlavor = 'cert' | 'mail' | 'notls';

/** Ports Mailu serves only with TLS (its PORTS_REQUIRING_TLS). */
const TLS_ONLY_PORTS = [443, 465, 993, 995];

export interface PublicPort {
  port: number;
  name: string;
  /** The connection arrives with a PROXY v2 header (Mailu must be told, and must trust the sender). */
  proxy: boolean;
  mail?: MailPort;
}

export interface Exposure {
  mode: MailuConfig['exposure']['mode'];
  /** Public mail ports, catalogue order. */
  mailPorts: MailPort[];
  /** Every port reachable from outside through the exposure mechanism (mail + HTTP when front serves it). */
  publicPorts: PublicPort[];
  /** front terminates HTTP(S) for the world itself (no ingress/route in front of it). */
  frontServesWeb: boolean;
  /** TLS_FLAVOR: `cert` when front terminates HTTPS, `mail` when an HTTP proxy does, `notls` without a certificate. */
  tlsFlavor: TlsFlavor;
  /** Ports whose listeners expect a PROXY header (PROXY_PROTOCOL). */
  proxyPorts: number[];
  /** Addresses allowed to send PROXY headers. */
  proxyTrustedCidrs: string[];
  /** front's Service / container port the HTTP ingress forwards to. */
  webBackendPort: number | undefined;
  /**
   * PORTS: every listener front must open. The public ports, plus 4190 whenever webmail runs:
   * Mailu opens webmail's ManageSieve listener (14190) only inside its 4190 block, so without it
   * filters and vacation replies in webmail are dead. Unpublished, 4190 stays unreachable from
   * outside (no host/Service port, no NetworkPolicy admits it).
   */
  listenPorts: number[];
  /**
   * TLS: the listeners that need a certificate. Mailu opens them from this list, not from PORTS,
   * and defaults it to every TLS port (443, 465, 993, 995), so it must be set to what is listened on.
   */
  tlsPorts: number[];
  /** IP families of the Service the internet connects to (LoadBalancer or Traefik's); none for hostPort. */
  serviceFamilies?: ServiceFamilies;
}

export function decideExposure(config: MailuConfig): Exposure {
  const { exposure, web, tls } = config;
  const mailPorts = normalisePorts(exposure.ports);
  const hasCert = tls.source !== 'none';
  const frontServesWeb = web.kind === 'none' && exposure.mode !== 'traefik';
  // `cert` only when front itself answers HTTPS for the world: its port 80 then redirects to HTTPS,
  // which would loop behind any HTTP proxy (Traefik mode routes no web to front on its own).
  const tlsFlavor: TlsFlavor = !hasCert ? 'notls' : frontServesWeb ? 'cert' : 'mail';

  let proxy = false;
  let proxyTrustedCidrs: string[] = [];
  if (exposure.mode === 'traefik') {
    proxy = true;
    proxyTrustedCidrs = [...exposure.traefik.trustedProxyCidrs];
  } else if (exposure.mode === 'loadBalancer' && exposure.loadBalancer.proxyProtocol) {
    proxy = true;
    proxyTrustedCidrs = [...exposure.loadBalancer.proxyProtocol.trustedCidrs];
  }

  const publicPorts: PublicPort[] = mailPorts.map((m) => ({ port: m.port, name: m.name, proxy, mail: m }));
  if (frontServesWeb) {
    // A load balancer that sends PROXY sends it on every port of the Service, HTTP included.
    publicPorts.push({ port: HTTP_PORTS.http, name: 'http', proxy });
    if (tlsFlavor === 'cert') publicPorts.push({ port: HTTP_PORTS.https, name: 'https', proxy });
  }

  const listen = new Set<number>(publicPorts.map((p) => p.port));
  listen.add(HTTP_PORTS.http);
  if (config.components.webmail !== 'none') listen.add(SIEVE_PORT);
  return {
    mode: exposure.mode,
    mailPorts,
    publicPorts,
    frontServesWeb,
    tlsFlavor,
    proxyPorts: publicPorts.filter((p) => p.proxy).map((p) => p.port),
    proxyTrustedCidrs,
    webBackendPort: web.kind === 'none' ? undefined : HTTP_PORTS.http,
    listenPorts: [...listen].sort((a, b) => a - b),
    tlsPorts: tlsFlavor === 'notls' ? [] : [...listen].filter((p) => TLS_ONLY_PORTS.includes(p)).sort((a, b) => a - b),
    ...withServiceFamilies(config),
  };
}

function withServiceFamilies(config: MailuConfig): { serviceFamilies?: ServiceFamilies } {
  const families = publicServiceFamilies(config);
  return families ? { serviceFamilies: families } : {};
}

/** PORTS for Mailu: the listeners front must open. Never empty. */
export function mailuPorts(exp: Exposure): number[] {
  return exp.listenPorts;
}

/**
 * Names under mail domain `domain` (default the primary) that are aliases of the primary hostname:
 * the MTA-STS policy host (only with that domain's MTA-STS on) and the client-autoconfiguration
 * hosts. The DNS plan publishes exactly these; the certificate and the web routes cover exactly
 * these, so no name is certified that DNS does not publish.
 */
export function aliasHostnames(config: MailuConfig, domain: string = config.domain): string[] {
  const prefixes = [...(domainSettings(config, domain).mtaSts.enabled ? ['mta-sts'] : []), 'autoconfig', 'autodiscover'];
  return prefixes.map((p) => `${p}.${domain}`);
}

/** A mail domain's MTA-STS policy as front serves it: on its `mta-sts.` host, in its own mode. */
export interface MtaStsPolicy {
  host: string;
  mode: 'testing' | 'enforce';
}

/** The policies front serves: one per mail domain with MTA-STS on (the plan announces exactly these). */
export function mtaStsPolicies(config: MailuConfig): MtaStsPolicy[] {
  return mailDomains(config).flatMap((d) => {
    const { mtaSts } = domainSettings(config, d);
    return mtaSts.enabled ? [{ host: `mta-sts.${d}`, mode: mtaSts.mode }] : [];
  });
}

/** Names the web front answers for: every hostname plus the alias names of every mail domain. */
export function webHostnames(config: MailuConfig): string[] {
  return [...new Set([...config.hostnames, ...mailDomains(config).flatMap((d) => aliasHostnames(config, d))])];
}

/** Traefik's minor[.patch] as configured, or the newest line of its major version. */
export function traefikMinor(t: { version: 2 | 3; minorVersion?: string | undefined }): { minor: number; patch: number } {
  const [minor = 0, patch = 0] = (t.minorVersion ?? (t.version === 2 ? '11' : '7')).split('.').map(Number);
  return { minor, patch };
}

/**
 * Who publishes the primary hostname's A/AAAA record: the config (static `dns.addresses`), the
 * DNS operator (hostPort: the address follows the front pod's node), external-dns's pod source,
 * or the user by hand. The DNS plan and the operator both ask here.
 */
export function frontAddressOwner(config: MailuConfig): 'static' | 'operator' | 'podSource' | 'manual' {
  if (config.dns.addresses.length > 0) return 'static';
  if (config.dns.operator.enabled && config.exposure.mode === 'hostPort') return 'operator';
  if (config.dns.externalDns.podSource) return 'podSource';
  return 'manual';
}
