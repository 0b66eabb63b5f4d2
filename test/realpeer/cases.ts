// The real-peer matrix: exposure × web × egress × database × port list × webmail, reduced to a
// covering subset in which every pair of factor values occurs at least once (greedy pairwise).
import type { MailuConfigInput } from '../../src/config/schema.js';
import { cfg } from '../support/chart-helpers.js';

type Section<K extends keyof MailuConfigInput> = NonNullable<MailuConfigInput[K]>;

export const LB_PROXY_CIDRS = ['10.0.5.0/24'];
export const TRAEFIK_CIDRS = ['10.42.3.0/24'];
export const INGRESS_CIDRS = ['10.42.7.0/24'];

export const FACTORS = {
  exposure: {
    hostPort: { mode: 'hostPort' },
    loadBalancer: { mode: 'loadBalancer' },
    'loadBalancer+PROXY': { mode: 'loadBalancer', loadBalancer: { proxyProtocol: { trustedCidrs: LB_PROXY_CIDRS } } },
    'traefik v3': { mode: 'traefik', traefik: { version: 3, trustedProxyCidrs: TRAEFIK_CIDRS } },
  } as Record<string, Omit<Section<'exposure'>, 'ports'>>,
  web: {
    none: { kind: 'none' },
    ingress: { kind: 'ingress', className: 'nginx', realIpFrom: INGRESS_CIDRS },
    traefik: { kind: 'traefik', realIpFrom: TRAEFIK_CIDRS },
  } as Record<string, Section<'web'>>,
  egress: {
    nodeIps: { mode: 'nodeIps', addresses: ['203.0.113.10'] },
    ciliumGateway: { mode: 'ciliumGateway', nodeSelector: { 'egress.example.com/gateway': 'true' }, egressIP: '192.0.2.25', publicIPs: ['203.0.113.25'] },
    relay: { mode: 'relay', host: 'smtp.relay.example.net', secret: { name: 'relay-credentials' } },
  } as Record<string, Section<'egress'>>,
  database: {
    sqlite: { type: 'sqlite' },
    postgresql: { type: 'postgresql', host: '192.0.2.50', secret: { name: 'mailu-db' } },
    cnpg: { type: 'cnpg' },
  } as Record<string, Section<'database'>>,
  ports: {
    default: [25, 465, 587, 993],
    '+4190': [25, 465, 587, 993, 4190],
    'all (110/995/143/4190)': [25, 110, 143, 465, 587, 993, 995, 4190],
    'plain 143/587': [25, 143, 587],
  } as Record<string, number[]>,
  webmail: { roundcube: 'roundcube', none: 'none' } as Record<string, 'roundcube' | 'none'>,
  // fetchmail and tika add dials (front:2525/25, imap→tika) that must be wired; off, nothing may dial them.
  extras: {
    'fetchmail+tika+webdav': { fetchmail: true, tika: true, webdav: true },
    none: { fetchmail: false, tika: false, webdav: false },
  } as Record<string, { fetchmail: boolean; tika: boolean; webdav: boolean }>,
};

export type FactorName = keyof typeof FACTORS;
export const FACTOR_NAMES = Object.keys(FACTORS) as FactorName[];
export type Choice = Record<FactorName, string>;

export interface RealPeerCase {
  name: string;
  choice: Choice;
  config: MailuConfigInput;
}

function allChoices(): Choice[] {
  let rows: Partial<Choice>[] = [{}];
  for (const f of FACTOR_NAMES) rows = rows.flatMap((r) => Object.keys(FACTORS[f]).map((v) => ({ ...r, [f]: v })));
  return rows as Choice[];
}

/** Every pair of (factor=value) that a covering set must contain. */
export function allPairs(): Set<string> {
  const pairs = new Set<string>();
  for (const [i, a] of FACTOR_NAMES.entries()) {
    for (const b of FACTOR_NAMES.slice(i + 1)) {
      for (const va of Object.keys(FACTORS[a])) for (const vb of Object.keys(FACTORS[b])) pairs.add(`${a}=${va}|${b}=${vb}`);
    }
  }
  return pairs;
}

export function pairsOf(c: Choice): string[] {
  const out: string[] = [];
  for (const [i, a] of FACTOR_NAMES.entries()) for (const b of FACTOR_NAMES.slice(i + 1)) out.push(`${a}=${c[a]}|${b}=${c[b]}`);
  return out;
}

/** Greedy pairwise: repeatedly take the full combination covering most uncovered pairs (deterministic). */
export function pairwise(): Choice[] {
  const uncovered = allPairs();
  const candidates = allChoices();
  const chosen: Choice[] = [];
  while (uncovered.size > 0) {
    let best = candidates[0]!;
    let bestGain = -1;
    for (const c of candidates) {
      const gain = pairsOf(c).filter((p) => uncovered.has(p)).length;
      if (gain > bestGain) [best, bestGain] = [c, gain];
    }
    for (const p of pairsOf(best)) uncovered.delete(p);
    chosen.push(best);
  }
  return chosen;
}

/**
 * The model refuses PROXY on 25 behind a load balancer (Mailu's own mail to HOSTNAMES[0]:25 would
 * arrive without a PROXY header), so that exposure publishes the list without 25.
 */
function portsFor(c: Choice): number[] {
  const ports = FACTORS.ports[c.ports]!;
  return c.exposure === 'loadBalancer+PROXY' ? ports.filter((p) => p !== 25) : ports;
}

export function toConfig(c: Choice): MailuConfigInput {
  return cfg({
    exposure: { ...FACTORS.exposure[c.exposure]!, ports: portsFor(c) } as Section<'exposure'>,
    web: FACTORS.web[c.web]!,
    egress: FACTORS.egress[c.egress]!,
    database: FACTORS.database[c.database]!,
    components: { webmail: FACTORS.webmail[c.webmail]!, ...FACTORS.extras[c.extras]! },
  });
}

export function realPeerCases(): RealPeerCase[] {
  const pairs = pairwise().map((choice) => ({
    name: FACTOR_NAMES.map((f) => `${f} ${choice[f]}`).join(' × '),
    choice,
    config: toConfig(choice),
  }));
  return [...pairs, ...dualStackCases()];
}

/** IPv6 twins of the proxy ranges above, on a dual-stack cluster. */
export const DUAL_STACK_CLUSTER = { podCidr: '10.42.0.0/16,2001:db8:42::/56', serviceCidr: '10.43.0.0/16,2001:db8:43::/112' };
export const TRAEFIK_CIDRS6 = ['2001:db8:42:3::/64'];
export const LB_PROXY_CIDRS6 = ['2001:db8:5::/64'];
export const INGRESS_CIDRS6 = ['2001:db8:42:7::/64'];

/**
 * Dual-stack cases: Mailu's own scripts render nginx, dovecot and postfix configs with IPv6
 * trust ranges (SUBNET6, REAL_IP_FROM with IPv6 proxies) that the real daemons must accept and
 * that must trust exactly those ranges. One per proxying exposure, plus hostPort.
 */
function dualStackCases(): RealPeerCase[] {
  const choices: Choice[] = [
    { exposure: 'traefik v3', web: 'traefik', egress: 'ciliumGateway', database: 'sqlite', ports: 'all (110/995/143/4190)', webmail: 'roundcube', extras: 'fetchmail+tika+webdav' },
    { exposure: 'loadBalancer+PROXY', web: 'ingress', egress: 'nodeIps', database: 'postgresql', ports: '+4190', webmail: 'roundcube', extras: 'none' },
    { exposure: 'hostPort', web: 'none', egress: 'relay', database: 'sqlite', ports: 'default', webmail: 'none', extras: 'none' },
  ];
  return choices.map((choice) => {
    const base = toConfig(choice);
    const x = base.exposure as unknown as Record<string, Record<string, unknown>>;
    if (choice.exposure === 'traefik v3') x.traefik = { ...x.traefik, trustedProxyCidrs: [...TRAEFIK_CIDRS, ...TRAEFIK_CIDRS6] };
    if (choice.exposure === 'loadBalancer+PROXY') x.loadBalancer = { proxyProtocol: { trustedCidrs: [...LB_PROXY_CIDRS, ...LB_PROXY_CIDRS6] } };
    const web = base.web as unknown as Record<string, unknown>;
    if ('realIpFrom' in web) web.realIpFrom = [...(web.realIpFrom as string[]), ...(choice.web === 'traefik' ? TRAEFIK_CIDRS6 : INGRESS_CIDRS6)];
    const egress = base.egress as unknown as Record<string, unknown>;
    if (choice.egress === 'ciliumGateway') Object.assign(egress, { ciliumVersion: '1.18', ipv6Addresses: ['2001:db8:1::25'] });
    if (choice.egress === 'nodeIps') egress.addresses = ['203.0.113.10', '2001:db8:1::10'];
    return {
      name: `dual-stack × ${FACTOR_NAMES.map((f) => `${f} ${choice[f]}`).join(' × ')}`,
      choice,
      config: { ...base, cluster: DUAL_STACK_CLUSTER, dns: { addresses: ['203.0.113.10', '2001:db8:1::10'] } },
    };
  });
}
