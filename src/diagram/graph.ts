// The deployment's traffic as pure data: who reaches whom, through what, and who publishes which
// DNS record. Everything is read from the model (exposure, trust, egress, flows = the call graph the
// NetworkPolicies render), the DNS plan and the validation warnings; nothing here decides anew.
// The SVG, Mermaid and DOT renderers all draw this one graph.
import type { ComponentName, MailuConfig } from '../config/schema.js';
import type { DnsPlan, DnsRecord } from '../dns/types.js';
import { frontAddressOwner } from '../model/exposure.js';
import { ACME_SOLVER, type Flow, type Peer, type PortRule } from '../model/flows.js';
import type { MailuModel } from '../model/index.js';
import { replicasOf } from '../model/workloads.js';

export type Section = 'traffic' | 'dns';

/** Left-to-right bands of the traffic section: inbound on the left, outbound on the right. */
export const BANDS = { internet: 0, edge: 1, front: 2, inside: 3, egress: 4, outside: 5 } as const;
export type Group = 'inbound' | 'inside' | 'outbound' | 'dns';
export const GROUPS: readonly Group[] = ['inbound', 'inside', 'outbound', 'dns'];

/** Which captioned group a node belongs to: bands left of front are inbound, right of the pods outbound. */
export function groupOf(n: Pick<DiagramNode, 'section' | 'band'>): Group {
  if (n.section === 'dns') return 'dns';
  return n.band < BANDS.front ? 'inbound' : n.band <= BANDS.inside ? 'inside' : 'outbound';
}

/** Bands of the DNS section. */
export const DNS_BANDS = { publisher: 0, zone: 1 } as const;

export type NodeKind = 'internet' | 'exposure' | 'web' | 'front' | 'component' | 'pods' | 'peer' | 'egress' | 'receivers' | 'publisher' | 'zone';
export type EdgeKind = 'mail' | 'web' | 'internal' | 'dns-query' | 'outbound' | 'other' | 'publish';

export interface DiagramNode {
  id: string;
  section: Section;
  band: number;
  kind: NodeKind;
  title: string;
  lines: string[];
  /** Numbers of the warnings that apply here (1-based, as listed). */
  warnings: number[];
}

export interface DiagramEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  label: string[];
  /** The model's reasons, shown as a tooltip. */
  why: string[];
  /** Indexes into model.flows that this edge draws. */
  flows: number[];
}

export interface DiagramWarning {
  n: number;
  text: string;
  /** Nodes it is marked on; empty: it concerns the deployment as a whole. */
  anchors: string[];
}

export interface Diagram {
  title: string;
  subtitle: string;
  /** Captions of the traffic bands (inbound, inside, outbound) and of the DNS section. */
  captions: Record<Group, string>;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  warnings: DiagramWarning[];
}

export interface DiagramInput {
  model: MailuModel;
  plan: DnsPlan;
  /** The validation warnings (parseConfigWithWarnings), in order. */
  warnings: string[];
}

const ACME_SOLVER_NAME = ACME_SOLVER.kind === 'pods' ? ACME_SOLVER.name : '';
const MAIL_SENDERS: readonly ComponentName[] = ['smtp', 'fetchmail'];

/** "25, 465" for TCP, "53/udp" for UDP. */
export function portsText(ports: readonly PortRule[]): string {
  const seen = new Set<string>();
  for (const p of ports) seen.add(p.protocol === 'UDP' ? `${p.port}/udp` : `${p.port}`);
  return [...seen].join(', ');
}

const list = (xs: readonly string[], none = 'none'): string => (xs.length > 0 ? xs.join(', ') : none);
const selector = (s: Record<string, string>): string => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(', ');
const isInternet = (p: Peer): boolean => p.kind === 'cidrs' && p.except.length > 0;
const isAnywhere = (p: Peer): boolean =>
  (p.kind === 'cidrs' && p.except.length === 0 && p.cidrs.some((c) => c === '0.0.0.0/0' || c === '::/0')) ||
  (p.kind === 'namespace' && p.namespace === undefined && p.labels === undefined);

class Builder {
  readonly nodes = new Map<string, DiagramNode>();
  readonly edges = new Map<string, DiagramEdge>();

  node(n: Omit<DiagramNode, 'warnings'>): string {
    if (!this.nodes.has(n.id)) this.nodes.set(n.id, { ...n, warnings: [] });
    return n.id;
  }

  /** Adds an edge, or merges ports/reasons/flows into the edge already joining the same pair. */
  edge(e: Omit<DiagramEdge, 'id'>, key = `${e.from}>${e.to}:${e.kind}`): DiagramEdge {
    const old = this.edges.get(key);
    if (!old) {
      const created = { ...e, id: `e${this.edges.size + 1}`, label: [...e.label], why: [...e.why], flows: [...e.flows] };
      this.edges.set(key, created);
      return created;
    }
    for (const l of e.label) if (!old.label.includes(l)) old.label.push(l);
    for (const w of e.why) if (!old.why.includes(w)) old.why.push(w);
    old.flows.push(...e.flows);
    return old;
  }
}

export function buildDiagram(input: DiagramInput): Diagram {
  const { model, plan } = input;
  const config = model.config;
  const b = new Builder();
  const ctx = { model, plan, config, b };
  inbound(ctx);
  inside(ctx);
  dnsSection(ctx);
  const nodes = [...b.nodes.values()];
  const warnings = input.warnings.map((text, i) => ({ n: i + 1, text, anchors: anchorsFor(text, config, b.nodes) }));
  for (const w of warnings) for (const a of w.anchors) b.nodes.get(a)!.warnings.push(w.n);
  return {
    title: `${config.domain}: mail paths of mailu-k8s instance ${config.instance}`,
    subtitle: `exposure ${config.exposure.mode} · web ${config.web.kind} · egress ${config.egress.mode} · primary host ${plan.primaryHostname}`,
    captions: { inbound: 'Inbound', inside: `Inside namespace ${config.namespace}`, outbound: 'Outbound', dns: 'DNS: who publishes which record' },
    nodes,
    edges: [...b.edges.values()],
    warnings,
  };
}

interface Ctx {
  model: MailuModel;
  plan: DnsPlan;
  config: MailuConfig;
  b: Builder;
}

// -- inbound: internet → exposure → front, web through its proxy ------------------------------------

function inbound({ model, config, b }: Ctx): void {
  const exp = model.exposure;
  b.node({ id: 'internet', section: 'traffic', band: BANDS.internet, kind: 'internet', title: 'Internet', lines: ['mail clients, other MX hosts', ...(exp.frontServesWeb || config.web.kind !== 'none' ? ['web browsers'] : [])] });
  b.node({ id: 'exposure', section: 'traffic', band: BANDS.edge, kind: 'exposure', ...exposureText(model) });
  b.node({ id: 'front', section: 'traffic', band: BANDS.front, kind: 'front', title: 'front', lines: frontLines(model) });
  const mail = exp.publicPorts.filter((p) => p.mail).map((p) => p.port);
  const web = exp.publicPorts.filter((p) => !p.mail).map((p) => p.port);
  b.edge({ from: 'internet', to: 'exposure', kind: 'mail', label: [`mail ${mail.join(', ')}`, ...(web.length > 0 ? [`web ${web.join(', ')}`] : [])], why: ['public ports'], flows: [] });
  // One edge, one label line per public port: its PROXY setting and whom it trusts.
  b.edge({
    from: 'exposure',
    to: 'front',
    kind: 'mail',
    label: exp.publicPorts.map((p) => `${p.port} ${p.name} · ${p.proxy ? `PROXY on · trusts ${list(exp.proxyTrustedCidrs)}` : 'PROXY off · client address kept'}`),
    why: exp.publicPorts.map((p) => (p.mail ? `${p.mail.service} on ${p.port}` : `${p.name} served by front`)),
    flows: [],
  });
  if (config.web.kind !== 'none') {
    b.node({ id: 'web', section: 'traffic', band: BANDS.edge, kind: 'web', ...webText(model) });
    b.edge({ from: 'internet', to: 'web', kind: 'web', label: [model.exposure.tlsFlavor === 'notls' ? '80 http' : '443 https (TLS ends at the proxy)'], why: ['web UI, webmail, autoconfig'], flows: [] });
  }
}

function exposureText(model: MailuModel): { title: string; lines: string[] } {
  const x = model.config.exposure;
  const front = model.components.get('front')!.objectName;
  if (x.mode === 'hostPort') {
    const sel = selector(x.hostPort.nodeSelector);
    return {
      title: 'hostPort on the front node',
      lines: [
        sel ? `nodes: ${sel}` : 'nodes: any node',
        x.hostPort.daemonSet ? 'DaemonSet: one front per node' : 'Deployment: one front (Recreate)',
        'no NAT: client addresses arrive intact',
      ],
    };
  }
  if (x.mode === 'loadBalancer') {
    const lb = x.loadBalancer;
    return {
      title: `LoadBalancer Service ${front}-public`,
      lines: [
        `externalTrafficPolicy: ${lb.externalTrafficPolicy}`,
        ...(lb.loadBalancerIP ? [`loadBalancerIP: ${lb.loadBalancerIP}`] : []),
        ...(lb.loadBalancerClass ? [`class: ${lb.loadBalancerClass}`] : []),
        lb.proxyProtocol ? `sends PROXY v2 from ${list(lb.proxyProtocol.trustedCidrs)}` : 'no PROXY: client addresses kept (Local)',
        `front replicas: ${replicasOf(model.config, 'front')}`,
      ],
    };
  }
  const t = x.traefik;
  const entry = model.exposure.mailPorts.map((p) => `${t.entryPoints[String(p.port) as keyof typeof t.entryPoints] ?? p.entryPoint}:${p.port}`);
  return {
    title: `Traefik ${t.version}${t.minorVersion ? `.${t.minorVersion}` : ''} (namespace ${model.config.cluster.traefikNamespace})`,
    lines: [
      `entry points ${entry.join(', ')}`,
      `IngressRouteTCP → ${front}-public, PROXY v2`,
      ...(t.loadBalancerProxyCidrs.length > 0 ? [`PROXY from its load balancer ${list(t.loadBalancerProxyCidrs)}`] : []),
      model.traefikGuard ? `entry-point policy: mail only from outside and ${model.config.namespace}` : 'entry-point policy: off (pods may reach it)',
    ],
  };
}

function webText(model: MailuModel): { title: string; lines: string[] } {
  const w = model.config.web;
  const xff = model.trust.realIpHeader ? `X-Forwarded-For trusted from ${list(w.kind === 'none' ? [] : w.realIpFrom)}` : 'no client address (web.realIpFrom empty)';
  switch (w.kind) {
    case 'ingress':
      return { title: `Ingress (class ${w.className})`, lines: [`controller in namespace ${w.namespace}`, 'TLS ends here', xff] };
    case 'traefik':
      return { title: 'Traefik IngressRoute (web)', lines: [`entry points ${w.entryPoints.join(', ')}`, `namespace ${model.config.cluster.traefikNamespace}`, 'TLS ends here', xff] };
    case 'gatewayApi': {
      const p = w.parentRef;
      return { title: 'Gateway API HTTPRoute', lines: [`parent ${p.namespace ? `${p.namespace}/` : ''}${p.name}${p.sectionName ? ` (${p.sectionName})` : ''}`, 'TLS ends at the Gateway', xff] };
    }
    default:
      return { title: 'web', lines: [] };
  }
}

function frontLines(model: MailuModel): string[] {
  const { exposure: exp, trust } = model;
  return [
    'nginx + dovecot proxy',
    `PORTS ${exp.listenPorts.join(',')}`,
    `PROXY_PROTOCOL ${trust.proxyProtocol.length > 0 ? trust.proxyProtocol.join(',') : 'unset'}`,
    `REAL_IP_FROM ${list(trust.realIpFrom, 'unset')}`,
    ...(trust.realIpHeader ? [`REAL_IP_HEADER ${trust.realIpHeader}`] : []),
    `SUBNET ${trust.subnet}${trust.subnet6 ? `, ${trust.subnet6}` : ''} (relays)`,
    `TLS_FLAVOR ${exp.tlsFlavor}`,
  ];
}

// -- inside: every flow the NetworkPolicies admit ----------------------------------------------------

const COMPONENT_ROLE: Readonly<Record<ComponentName, string>> = {
  front: 'nginx + dovecot proxy',
  admin: 'admin UI, auth and lookups',
  smtp: 'postfix',
  imap: 'dovecot mailboxes',
  antispam: 'rspamd',
  antivirus: 'ClamAV',
  webmail: 'webmail',
  webdav: 'Radicale',
  fetchmail: 'fetchmail',
  oletools: 'macro scanner',
  tika: 'attachment text',
  redis: 'Redis',
  resolver: 'unbound, DNSSEC',
};

const PODS_TITLE: Readonly<Record<string, string>> = {
  db: 'CloudNativePG database',
  'dns-operator': 'mailu-k8s DNS operator',
  'acme-solver': 'ACME HTTP-01 solver',
};

function inside(ctx: Ctx): void {
  const { model, b } = ctx;
  for (const [name, c] of model.components) {
    if (name === 'front') continue;
    const role = name === 'webmail' ? model.config.components.webmail : COMPONENT_ROLE[name];
    b.node({ id: name, section: 'traffic', band: BANDS.inside, kind: 'component', title: name, lines: [role, c.objectName] });
  }
  model.flows.forEach((f, i) => placeFlow(ctx, f, i));
}

/** The node a peer is drawn as; `side` tells sources (left) from destinations (right). */
function peerNode(ctx: Ctx, p: Peer, side: 'from' | 'to'): string {
  const { b, config } = ctx;
  if (p.kind === 'component') return p.component;
  if (p.kind === 'pods') return b.node({ id: `pods-${p.name}`, section: 'traffic', band: BANDS.inside, kind: 'pods', title: PODS_TITLE[p.name] ?? p.name, lines: [selector(p.labels)] });
  // Destinations share the egress band: only the receivers of mail lie beyond the egress.
  const band = side === 'from' ? BANDS.edge : BANDS.egress;
  if (isInternet(p)) {
    return side === 'from'
      ? 'internet'
      : b.node({ id: 'internet-out', section: 'traffic', band, kind: 'peer', title: 'Internet services', lines: [`public addresses (not ${config.cluster.podCidr}, ${config.cluster.serviceCidr})`] });
  }
  if (isAnywhere(p)) {
    return b.node({ id: `anywhere-${side}`, section: 'traffic', band, kind: 'peer', title: side === 'from' ? 'any namespace' : 'external services', lines: ['any address or namespace'] });
  }
  if (p.kind === 'namespace') {
    const ns = p.namespace ?? 'any namespace';
    return b.node({ id: `ns-${ns}-${side}`, section: 'traffic', band, kind: 'peer', title: `namespace ${ns}`, lines: p.labels ? [selector(p.labels)] : [] });
  }
  return b.node({ id: `cidrs-${p.cidrs.join('-')}-${side}`, section: 'traffic', band, kind: 'peer', title: 'addresses', lines: [p.cidrs.join(', ')] });
}

const traefikNamespaceOf = (config: MailuConfig): string | undefined =>
  config.exposure.mode === 'traefik' || config.web.kind === 'traefik' ? config.cluster.traefikNamespace : undefined;

function placeFlow(ctx: Ctx, f: Flow, i: number): void {
  const { b, config, model } = ctx;
  const why = [f.why];
  const ports = portsText(f.ports);
  // Inbound to front's public ports: drawn as the exposure's per-port edges.
  if (f.to.kind === 'component' && f.to.component === 'front' && f.from.kind !== 'component') {
    const webNs = config.web.kind === 'none' ? undefined : config.web.kind === 'traefik' ? config.cluster.traefikNamespace : config.web.namespace;
    const fromWeb = config.web.kind !== 'none' && f.from.kind === 'namespace' && f.from.namespace === webNs && f.ports.every((p) => p.port === model.exposure.webBackendPort);
    if (fromWeb) {
      b.edge({ from: 'web', to: 'front', kind: 'web', label: [`${ports} http · ${model.trust.realIpHeader ? 'X-Forwarded-For' : 'no client address'}`], why, flows: [i] });
      return;
    }
    b.edges.get('exposure>front:mail')!.flows.push(i);
    b.edges.get('internet>exposure:mail')!.flows.push(i);
    return;
  }
  if (f.from.kind === 'pods' && f.to.kind === 'pods' && f.from.name === f.to.name) {
    // Between instances of one workload: one edge back to itself.
    b.edge({ from: peerNode(ctx, f.from, 'from'), to: peerNode(ctx, f.to, 'to'), kind: 'internal', label: [ports], why, flows: [i] });
    return;
  }
  // Outbound mail: smtp and fetchmail leave through the egress; the receivers are beyond it.
  if (f.from.kind === 'component' && MAIL_SENDERS.includes(f.from.component) && isInternet(f.to) && !isOwnMx(f)) {
    mailOut(ctx, f.from.component, ports, why, i);
    return;
  }
  // The web proxy's namespace also reaches cert-manager's solver pods (HTTP-01 challenges).
  const fromWeb = config.web.kind !== 'none' && f.from.kind === 'namespace' && f.from.namespace === webNamespace(config) && f.to.kind === 'pods' && f.to.name === ACME_SOLVER_NAME;
  const from = fromWeb ? 'web' : peerNode(ctx, f.from, 'from');
  const toTraefik = f.to.kind === 'namespace' && f.to.namespace !== undefined && f.to.namespace === traefikNamespaceOf(config) && config.exposure.mode === 'traefik';
  const to = toTraefik ? 'exposure' : peerNode(ctx, f.to, 'to');
  if (f.to.kind === 'component' && f.to.component === 'resolver' && f.from.kind === 'component') {
    dnsQuery(ctx, f.from.component, ports, why, i);
    return;
  }
  const kind: EdgeKind = f.from.kind === 'component' && f.to.kind === 'component' ? 'internal' : 'other';
  b.edge({ from, to, kind, label: [ports], why, flows: [i] });
}

/** Every pod asks the resolver: one edge from "every Mailu pod" (naming them) instead of a dozen. */
function dnsQuery(ctx: Ctx, from: ComponentName, ports: string, why: string[], i: number): void {
  const { b } = ctx;
  const node = b.nodes.get('all-pods') ?? b.nodes.get(b.node({ id: 'all-pods', section: 'traffic', band: BANDS.inside, kind: 'pods', title: 'every Mailu pod', lines: [] }))!;
  node.lines.push(from);
  b.edge({ from: 'all-pods', to: 'resolver', kind: 'dns-query', label: [ports], why, flows: [i] });
}

function webNamespace(config: MailuConfig): string | undefined {
  if (config.web.kind === 'none') return undefined;
  return config.web.kind === 'traefik' ? config.cluster.traefikNamespace : config.web.namespace;
}

/** imap's and fetchmail's own submissions to the public MX (PROXY on 25) are not outbound mail. */
function isOwnMx(f: Flow): boolean {
  return f.from.kind === 'component' && f.from.component !== 'smtp' && f.ports.length === 1 && f.ports[0]!.port === 25;
}

// -- outbound: smtp/fetchmail → egress → receivers ---------------------------------------------------

function mailOut(ctx: Ctx, from: ComponentName, ports: string, why: string[], i: number): void {
  const { b, config } = ctx;
  const relay = config.egress.mode === 'relay';
  egressNode(ctx);
  if (from === 'smtp') {
    b.edge({ from: 'smtp', to: 'egress', kind: 'outbound', label: [relay ? `${ports} STARTTLS to the relay` : `${ports} ${why[0]}`], why, flows: [i] });
    receivers(ctx);
    return;
  }
  b.node({ id: 'mailboxes', section: 'traffic', band: BANDS.outside, kind: 'peer', title: 'remote mailboxes', lines: ['POP3/IMAP accounts fetchmail reads'] });
  if (relay) b.edge({ from, to: 'mailboxes', kind: 'outbound', label: [`${ports} · from its node's address`], why, flows: [i] });
  else {
    b.edge({ from, to: 'egress', kind: 'outbound', label: [ports], why, flows: [i] });
    b.edge({ from: 'egress', to: 'mailboxes', kind: 'outbound', label: ['fetch'], why: ['fetchmail'], flows: [] });
  }
}

function egressNode(ctx: Ctx): void {
  const { model, plan, config, b } = ctx;
  const e = config.egress;
  const eg = model.egress;
  const ptr = (ip: string) => `${ip} needs PTR → ${plan.primaryHostname}.`;
  const ptrs = eg.senderIps.map(ptr);
  const live = eg.liveFromOperator ? [`senders found live by the DNS operator: each needs PTR → ${plan.primaryHostname}.`] : [];
  let title: string;
  let lines: string[];
  if (e.mode === 'nodeIps') {
    title = 'node IPs';
    lines = [Object.keys(eg.senderNodeSelector).length > 0 ? `smtp, fetchmail on nodes ${selector(eg.senderNodeSelector)}` : 'smtp, fetchmail on any node', ...ptrs, ...live];
  } else if (e.mode === 'ciliumGateway') {
    title = 'Cilium egress gateway';
    lines = [
      `gateway nodes ${selector(e.nodeSelector)}`,
      e.egressIP ? `egress IP ${e.egressIP}` : e.interface ? `egress interface ${e.interface}` : 'egress IP: first address of the gateway node',
      `public IPs ${list(e.publicIPs, 'as the egress IP')}`,
      ...(e.ipv6Addresses.length > 0 ? [`IPv6 from the nodes ${e.ipv6Addresses.join(', ')}`] : []),
      ...ptrs,
      ...live,
    ];
  } else {
    title = `relay ${e.host}:${e.port}`;
    lines = [e.secret ? 'credentials, TLS required (encrypt)' : 'no credentials (admits the cluster by address)', `SPF ${list(eg.spfIncludes.map((d) => `include:${d}`))}`];
  }
  b.node({ id: 'egress', section: 'traffic', band: BANDS.egress, kind: 'egress', title, lines });
}

function receivers(ctx: Ctx): void {
  const { plan, b } = ctx;
  b.node({
    id: 'receivers',
    section: 'traffic',
    band: BANDS.outside,
    kind: 'receivers',
    title: 'receiving MX hosts',
    lines: [`check SPF of ${plan.domain}`, `check PTR = HELO ${plan.primaryHostname} (FCrDNS)`],
  });
  const spf = plan.spf;
  const label =
    spf.source === 'static' ? `SPF ${spf.value}` : spf.source === 'operator' ? 'SPF kept live by the DNS operator' : 'no SPF record: no sender known';
  b.edge({ from: 'egress', to: 'receivers', kind: 'outbound', label: [label], why: ['delivery to other domains'], flows: [] });
}

// -- DNS: publishers → zones -------------------------------------------------------------------------

function recordLine(r: DnsRecord): string {
  const value = r.values.length > 0 ? r.values.join(', ') : r.source === 'operator' ? '(kept live)' : '(publish by hand)';
  return `${r.type} ${r.name} ${value}`;
}

function publisherOf(ctx: Ctx, r: DnsRecord): { id: string; title: string; lines: string[] } {
  const { config } = ctx;
  const i = config.instance;
  if (r.type === 'PTR') return { id: 'pub-ptr', title: 'the owner of each sending address', lines: ['reverse DNS, set by you at the provider'] };
  if (r.source === 'static') {
    return config.dns.externalDns.enabled
      ? { id: 'pub-static', title: 'external-dns (static plan)', lines: [`DNSEndpoint ${i}-dns-static`] }
      : { id: 'pub-static', title: 'you (static plan)', lines: ['mailu-k8s dns plan --format zone'] };
  }
  if (r.source === 'operator') {
    const podSource = r.type !== 'TXT' && frontAddressOwner(config) === 'podSource';
    return podSource
      ? { id: 'pub-podsource', title: 'external-dns pod source', lines: ['address of the front pod\'s node'] }
      : { id: 'pub-operator', title: 'mailu-k8s DNS operator', lines: [`DNSEndpoints ${i}-front-address, ${i}-spf`] };
  }
  return { id: 'pub-manual', title: 'you, by hand', lines: ['values only known later'] };
}

function dnsSection(ctx: Ctx): void {
  const { plan, b } = ctx;
  for (const r of plan.records) {
    const pub = publisherOf(ctx, r);
    const node = b.nodes.get(pub.id) ?? b.nodes.get(b.node({ id: pub.id, section: 'dns', band: DNS_BANDS.publisher, kind: 'publisher', title: pub.title, lines: pub.lines }))!;
    node.lines.push(recordLine(r));
    const zone =
      r.type === 'PTR'
        ? b.node({ id: 'zone-reverse', section: 'dns', band: DNS_BANDS.zone, kind: 'zone', title: 'reverse zones', lines: ['in-addr.arpa / ip6.arpa'] })
        : r.name === plan.domain || r.name.endsWith(`.${plan.domain}`)
          ? b.node({ id: 'zone-domain', section: 'dns', band: DNS_BANDS.zone, kind: 'zone', title: `zone ${plan.domain}`, lines: ['at your DNS provider'] })
          : b.node({ id: 'zone-other', section: 'dns', band: DNS_BANDS.zone, kind: 'zone', title: 'other zones', lines: ['their owners publish'] });
    const e = b.edge({ from: pub.id, to: zone, kind: 'publish', label: [], why: [], flows: [] });
    e.why.push(`${r.type} ${r.name}`);
  }
  for (const e of b.edges.values()) if (e.kind === 'publish') e.label = [`${e.why.length} record${e.why.length === 1 ? '' : 's'}`];
}

// -- warnings: marked on the node they concern ---------------------------------------------------------

function anchorsFor(text: string, config: MailuConfig, nodes: Map<string, DiagramNode>): string[] {
  const has = (id: string) => nodes.has(id);
  const pick = (...ids: string[]) => ids.filter(has);
  const t = text;
  if (/^(web\.|exposure\.mode traefik with web\.kind none)/.test(t)) return has('web') && t.startsWith('web.') ? ['web'] : pick('exposure');
  if (/^(exposure\.|cluster\.distribution)/.test(t)) return pick('exposure');
  if (/^mailu\.rateLimits/.test(t)) return pick('front');
  // The A record's publisher: by hand when nobody publishes it, else the static plan.
  if (/^dns\.addresses/.test(t)) return pick('pub-manual', 'pub-static').slice(0, 1);
  if (/^(egress\.|mail leaves from|no sending address)/.test(t)) return pick('egress', 'pub-ptr');
  if (/SPF record of .* is kept by the mailu-k8s operator/.test(t)) return pick('pub-operator', 'egress');
  if (/^database\./.test(t)) return pick(config.database.type === 'cnpg' ? 'pods-db' : 'admin');
  if (/^redis\./.test(t)) return pick('admin');
  if (/^dns\./.test(t)) return pick('pub-static');
  return [];
}
