// TLS, the web route and how mail reaches front. The chart's unsafe exposure choices (SNAT-ing
// Services, trusting every address, PROXY protocol on port 25) are refused.
import { copySecretCommand, type ImportContext, set, shellWord } from './context.js';
import type { Values } from './values.js';

const ISSUER_ANNOTATIONS: Record<string, 'ClusterIssuer' | 'Issuer'> = {
  'cert-manager.io/cluster-issuer': 'ClusterIssuer',
  'cert-manager.io/issuer': 'Issuer',
};
/** Annotations the chart's Ingress needed that ours sets itself or must not carry. */
const DROPPED_ANNOTATIONS = ['kubernetes.io/tls-acme', 'kubernetes.io/ingress.class', 'nginx.ingress.kubernetes.io/backend-protocol'];

const isWorld = (c: string) => c === '0.0.0.0/0' || c === '::/0';
const cidrs = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function mapNetwork(ctx: ImportContext): void {
  mapTls(ctx);
  mapWeb(ctx);
  mapExposure(ctx);
  mapNetworkPolicy(ctx);
}

function mapTls(ctx: ImportContext): void {
  const { v, out, report, fullname, instance } = ctx;
  const annotations = v.strMap('ingress.annotations');
  const issuerKey = Object.keys(ISSUER_ANNOTATIONS).find((k) => annotations[k]);
  const flavor = v.str('ingress.tlsFlavorOverride');
  if (flavor === 'notls' || (!v.bool('ingress.tls') && !flavor)) {
    report.refused(flavor === 'notls' ? 'ingress.tlsFlavorOverride' : 'ingress.tls', 'no TLS: IMAP, POP3 and submission passwords would cross the internet in the clear', 'a certificate: tls.source certManager (cert-manager) or secret (a kubernetes.io/tls Secret)');
    set(out, 'tls', { source: 'none' });
    return;
  }
  if (flavor === 'letsencrypt' || flavor === 'mail-letsencrypt') {
    report.unsupported('ingress.tlsFlavorOverride', `${flavor}: front's own certbot would write into the certificate volume; mailu-k8s takes the certificate from cert-manager (tls.source certManager) or a Secret`);
  } else if (flavor) report.dflt('ingress.tlsFlavorOverride', `mailu-k8s sets TLS_FLAVOR itself from tls.source and web.kind (${flavor} was the chart's)`);
  if (issuerKey) {
    set(out, 'tls', { source: 'certManager', issuer: { name: annotations[issuerKey], kind: ISSUER_ANNOTATIONS[issuerKey] } });
    report.mapped(`ingress.annotations.${issuerKey}`, ['tls.source', 'tls.issuer'], 'a Certificate of ours (cert-manager issues it into <instance>-tls)');
  } else if (v.str('ingress.existingSecret')) {
    set(out, 'tls', { source: 'secret', secretName: v.str('ingress.existingSecret') });
    report.mapped('ingress.existingSecret', ['tls.source', 'tls.secretName'], 'your Secret, used as it is');
  } else if (v.bool('ingress.selfSigned') || v.list('ingress.secrets').length > 0) {
    // The chart made the Secret itself (Helm's genSignedCert, or ingress.secrets): uninstall deletes it.
    const ours = `${instance}-tls`;
    set(out, 'tls', { source: 'secret', secretName: ours });
    const path = v.bool('ingress.selfSigned') ? 'ingress.selfSigned' : 'ingress.secrets';
    report.mapped(path, ['tls.source', 'tls.secretName'], `the chart made ${fullname}-certificates, which helm uninstall deletes: copied to ${ours} (command below)${path === 'ingress.selfSigned' ? '; a self-signed certificate makes mail clients warn: consider tls.source certManager' : ''}`);
    report.step(tlsCopyCommand(ctx, `${fullname}-certificates`, ours));
  } else {
    set(out, 'tls', { source: 'secret', secretName: `${fullname}-certificates` });
    report.mapped('ingress.tls', ['tls.source', 'tls.secretName'], `the Secret ${fullname}-certificates the chart mounted (made outside the chart, so it stays)${annotations['kubernetes.io/tls-acme'] ? '; it was issued through kubernetes.io/tls-acme on the chart\'s Ingress and is not renewed once that Ingress is gone: switch to tls.source certManager' : ''}`);
  }
  for (const k of ['ingress.selfSigned', 'ingress.existingSecret', 'ingress.tls'].filter((p) => v.has(p))) {
    if (!ctx.report.covers(k)) report.dflt(k, 'the certificate comes from tls (above)');
  }
}

function tlsCopyCommand(ctx: ImportContext, from: string, to: string): string {
  const ns = shellWord(ctx.namespace);
  const part = (key: string) => `<(kubectl -n ${ns} get secret ${shellWord(from)} -o jsonpath='{.data.${key.replace('.', '\\.')}}' | base64 -d)`;
  return `kubectl -n ${ns} create secret tls ${shellWord(to)} --cert=${part('tls.crt')} --key=${part('tls.key')}`;
}

function mapWeb(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  if (!v.bool('ingress.enabled')) {
    report.dflt(['ingress.enabled'].filter((p) => v.has(p)), 'no Ingress: web.kind none (front\'s HTTP is not routed; choose a web.kind)');
    return;
  }
  const annotations = v.strMap('ingress.annotations');
  const className = v.str('ingress.ingressClassName') || annotations['kubernetes.io/ingress.class'] || '';
  const kept = Object.fromEntries(Object.entries(annotations).filter(([k]) => !(k in ISSUER_ANNOTATIONS) && !DROPPED_ANNOTATIONS.includes(k)));
  const web: Values = { kind: 'ingress', className: className || 'nginx' };
  if (Object.keys(kept).length > 0) web.annotations = kept;
  set(out, 'web', web);
  if (className) report.mapped(['ingress.enabled', 'ingress.ingressClassName'].filter((p) => v.has(p)), ['web.kind', 'web.className']);
  else report.placeholder(['ingress.enabled', 'ingress.ingressClassName'], ['web.kind', 'web.className'], 'empty (the cluster\'s default class): written as nginx, the controller the chart\'s Ingress was made for');
  for (const k of Object.keys(kept)) report.mapped(`ingress.annotations.${k}`, `web.annotations`);
  for (const k of DROPPED_ANNOTATIONS.filter((a) => annotations[a])) report.dflt(`ingress.annotations.${k}`, 'not needed: mailu-k8s\'s Ingress routes plain HTTP to front with web.className');
  const from = cidrs(v.str('ingress.realIpFrom'));
  const world = from.find(isWorld);
  if (world) {
    report.refused('ingress.realIpFrom', `${world} trusts every address on the internet to say who the client is (X-Forwarded-For, PROXY): anyone can pose as any address, and rate limits and SUBNET checks stop meaning anything`, 'list only your ingress controller\'s (or load balancer\'s) addresses, e.g. its pods\' range');
  } else if (from.length > 0) {
    set(out, 'web.realIpFrom', from);
    report.mapped('ingress.realIpFrom', 'web.realIpFrom');
  } else if (v.has('ingress.realIpFrom')) report.dflt('ingress.realIpFrom', 'empty: set web.realIpFrom to the ingress controller\'s addresses so Mailu sees web clients');
  const header = v.str('ingress.realIpHeader');
  if (header && header !== 'X-Forwarded-For') report.unsupported('ingress.realIpHeader', 'mailu-k8s trusts X-Forwarded-For from web.realIpFrom');
  else if (v.has('ingress.realIpHeader')) report.dflt('ingress.realIpHeader', 'X-Forwarded-For, from web.realIpFrom only');
  for (const k of ['pathType', 'path', 'apiVersion', 'extraHosts', 'extraPaths', 'extraTls', 'extraRules']) {
    const p = `ingress.${k}`;
    const val = v.get(p);
    const isDefault = val === undefined || val === '' || (Array.isArray(val) && val.length === 0) || (k === 'pathType' && val === 'ImplementationSpecific') || (k === 'path' && val === '/');
    if (isDefault) report.dflt([p].filter((x) => v.has(x)), 'the chart\'s default');
    else report.unsupported(p, 'mailu-k8s routes every hostname\'s / to front; add other rules in an Ingress of your own');
  }
  const ns = v.str('networkPolicy.ingressController.namespace');
  if (ns && ns !== 'ingress-nginx') {
    set(out, 'web.namespace', ns);
    report.mapped('networkPolicy.ingressController.namespace', 'web.namespace', 'the controller\'s namespace is admitted to front:80');
  } else if (v.has('networkPolicy.ingressController.namespace')) report.dflt('networkPolicy.ingressController.namespace', 'ingress-nginx is mailu-k8s\'s default');
}

/** The chart's port switches, by Mailu's port number. */
const PORT_NUMBERS: Record<string, number> = { pop3: 110, pop3s: 995, imap: 143, imaps: 993, smtp: 25, smtps: 465, submission: 587, manageSieve: 4190 };

function mapExposure(ctx: ImportContext): void {
  const { v, report } = ctx;
  const svc = 'front.externalService';
  const type = v.str(`${svc}.type`);
  if (v.bool(`${svc}.enabled`) && type === 'LoadBalancer') {
    loadBalancer(ctx);
    if (v.bool('front.hostPort.enabled')) report.unsupported('front.hostPort.enabled', 'one way in: the load balancer (mailu-k8s has one exposure mode)');
    return;
  }
  const proxied = Object.keys(PORT_NUMBERS).filter((k) => v.bool(`ingress.proxyProtocol.${k}`));
  if (proxied.length > 0) report.unsupported('ingress.proxyProtocol', 'the chart sends PROXY only through front.externalService (a load balancer); without one it did nothing');
  else if (v.has('ingress.proxyProtocol')) report.dflt('ingress.proxyProtocol', 'off');
  if (v.bool(`${svc}.enabled`)) {
    const policy = v.str(`${svc}.externalTrafficPolicy`);
    if (type === 'NodePort' && policy === 'Cluster') refuseCluster(ctx);
    else report.unsupported([`${svc}.enabled`, `${svc}.type`], type === 'NodePort' ? 'no NodePort mode: exposure.mode hostPort binds the real ports on the node, loadBalancer keeps client addresses with Local' : 'a ClusterIP Service for a proxy of yours: mailu-k8s routes mail through Traefik (exposure.mode traefik) or a load balancer');
  } else if (v.has(svc)) report.dflt(svc, 'no external Service');
  hostPort(ctx);
}

function refuseCluster(ctx: ImportContext): void {
  ctx.report.refused('front.externalService.externalTrafficPolicy', 'Cluster SNATs every client to a cluster-internal address inside SUBNET, which Mailu relays for without authentication (open relay)', 'externalTrafficPolicy: Local (exposure.loadBalancer.externalTrafficPolicy), or exposure.mode hostPort');
}

function loadBalancer(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const svc = 'front.externalService';
  if (v.str(`${svc}.externalTrafficPolicy`) === 'Cluster') refuseCluster(ctx);
  const on = Object.entries(PORT_NUMBERS).filter(([k]) => v.bool(`${svc}.ports.${k}`));
  const ports = on.map(([, p]) => p).sort((a, b) => a - b);
  const lb: Values = { externalTrafficPolicy: 'Local' };
  const ip = v.str(`${svc}.loadBalancerIP`);
  if (ip) lb.loadBalancerIP = ip;
  const annotations = v.strMap(`${svc}.annotations`);
  if (Object.keys(annotations).length > 0) lb.annotations = annotations;
  const family = v.str(`${svc}.ipFamilyPolicy`);
  if (family) lb.ipFamilyPolicy = family;
  const replicas = v.num('front.replicaCount') ?? 1;
  if (replicas > 1) lb.replicas = replicas;
  const proxied = Object.entries(PORT_NUMBERS).filter(([k]) => v.bool(`ingress.proxyProtocol.${k}`)).map(([, p]) => p);
  if (proxied.length > 0) proxyProtocol(ctx, lb, ports, proxied);
  else if (v.has('ingress.proxyProtocol')) report.dflt('ingress.proxyProtocol', 'off');
  set(out, 'exposure', { mode: 'loadBalancer', ports, loadBalancer: lb });
  report.mapped([`${svc}.enabled`, `${svc}.type`, `${svc}.ports`, `${svc}.externalTrafficPolicy`], ['exposure.mode', 'exposure.ports', 'exposure.loadBalancer.externalTrafficPolicy'], `the ports ${ports.join(', ')}`);
  for (const [k, to] of [['loadBalancerIP', 'loadBalancerIP'], ['annotations', 'annotations'], ['ipFamilyPolicy', 'ipFamilyPolicy']] as const) {
    if (lb[to] !== undefined) report.mapped(`${svc}.${k}`, `exposure.loadBalancer.${to}`);
    else if (v.has(`${svc}.${k}`)) report.dflt(`${svc}.${k}`, 'empty');
  }
  if (replicas > 1) report.mapped('front.replicaCount', 'exposure.loadBalancer.replicas');
  else if (v.has('front.replicaCount')) report.dflt('front.replicaCount', 'one front');
  const extra = { externalIPs: v.list(`${svc}.externalIPs`).length, labels: Object.keys(v.map(`${svc}.labels`)).length };
  for (const [k, n] of Object.entries(extra)) {
    const p = `${svc}.${k}`;
    if (n > 0) report.unsupported(p, 'not supported on mailu-k8s\'s load balancer Service');
    else if (v.has(p)) report.dflt(p, 'empty');
  }
  if (v.has(`${svc}.nodePorts`)) report.dflt(`${svc}.nodePorts`, 'only used with type NodePort');
}

function proxyProtocol(ctx: ImportContext, lb: Values, ports: number[], proxied: number[]): void {
  const { v, report } = ctx;
  const trusted = cidrs(v.str('ingress.realIpFrom'));
  if (proxied.includes(25)) {
    report.refused('ingress.proxyProtocol.smtp', 'PROXY protocol on port 25 loses Mailu\'s own mail (sieve redirects, vacation replies, fetched mail): it is sent to HOSTNAMES[0]:25 from inside the cluster without a PROXY header', 'keep 25 without PROXY (externalTrafficPolicy: Local keeps client addresses), or exposure.mode traefik');
    return;
  }
  if (proxied.slice().sort((a, b) => a - b).join() !== ports.join()) {
    report.refused('ingress.proxyProtocol', `PROXY on ${proxied.join(', ')} but the load balancer carries ${ports.join(', ')}: Mailu expects PROXY on every port of it`, 'send PROXY on all of the load balancer\'s ports or on none');
    return;
  }
  if (trusted.length === 0) {
    report.refused('ingress.realIpFrom', 'PROXY protocol without the load balancer\'s addresses: Mailu would refuse every connection', 'list the load balancer\'s addresses in ingress.realIpFrom');
    return;
  }
  lb.proxyProtocol = { trustedCidrs: trusted };
  report.mapped('ingress.proxyProtocol', 'exposure.loadBalancer.proxyProtocol.trustedCidrs', 'from ingress.realIpFrom');
}

function hostPort(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const selector = v.strMap('front.nodeSelector');
  const daemonSet = v.str('front.kind') === 'DaemonSet';
  const hp: Values = {};
  if (Object.keys(selector).length > 0) hp.nodeSelector = selector;
  if (daemonSet) hp.daemonSet = true;
  set(out, 'exposure', { mode: 'hostPort', ...(Object.keys(hp).length > 0 ? { hostPort: hp } : {}) });
  const note = 'the chart\'s front answered on 25, 465 and 993 (its PORTS left out 587, 143, 110 and 995, and 4190 had no host port); mailu-k8s\'s exposure.ports adds 587';
  if (v.bool('front.hostPort.enabled')) report.mapped(['front.hostPort.enabled'].filter((p) => v.has(p)).concat('front.hostPort'), 'exposure.mode', note);
  else report.placeholder('front.hostPort.enabled', 'exposure.mode', 'the chart exposed no mail port; mailu-k8s\'s default hostPort is written: choose your exposure');
  if (hp.nodeSelector) report.mapped('front.nodeSelector', 'exposure.hostPort.nodeSelector', 'the nodes that may run front and own the MX address');
  else if (v.has('front.nodeSelector')) report.dflt('front.nodeSelector', 'empty: front may run on any node (set exposure.hostPort.nodeSelector to the node with the public address)');
  if (daemonSet) report.mapped('front.kind', 'exposure.hostPort.daemonSet');
  else if (v.has('front.kind')) report.dflt('front.kind', 'Deployment');
  if ((v.num('front.replicaCount') ?? 1) > 1 && !daemonSet) report.unsupported('front.replicaCount', 'with host ports one front per node: exposure.hostPort.daemonSet');
  else if (v.has('front.replicaCount')) report.dflt('front.replicaCount', 'one front');
}

function mapNetworkPolicy(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  report.dflt(['networkPolicy.enabled', 'networkPolicy.ingressController.podSelector'].filter((p) => v.has(p)), 'mailu-k8s always emits NetworkPolicies, from Mailu\'s call graph (the ingress namespace is admitted)');
  // Postfix pinned to the nodes with the sending address: those are the egress nodes.
  const selector = v.strMap('postfix.nodeSelector');
  if (Object.keys(selector).length === 0) return;
  if ((out.egress as Values | undefined)?.mode === 'relay') report.unsupported('postfix.nodeSelector', 'mail leaves through the relay; no per-component scheduling keys yet');
  else {
    set(out, 'egress.nodeSelector', selector);
    report.mapped('postfix.nodeSelector', 'egress.nodeSelector', 'smtp and fetchmail run on these nodes, whose addresses SPF lists');
  }
}
