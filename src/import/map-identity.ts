// Names, addresses and versions: domain, hostnames, postmaster, time zone, the pod network, the
// log level and the images.
import { type ImportContext, set } from './context.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface CarryOptions {
  /** Our value from the chart's (default: unchanged). */
  convert?: (v: unknown) => unknown;
  /**
   * When the values file leaves the key out, take the chart's default (true: it is behaviour the
   * release has, such as a component running) or ours (false: a limit mailu-k8s sets stricter).
   */
  chartDefaultWins?: boolean;
  note?: string;
}

/** One chart value to one key of ours: mapped, or reported as our default when they agree. */
export function carry(ctx: ImportContext, chart: string, ours: string, ourDefault: unknown, opts: CarryOptions = {}): void {
  const { v, out, report } = ctx;
  const value = (opts.convert ?? ((x) => x))(v.get(chart));
  const note = opts.note ?? '';
  if (same(value, ourDefault)) {
    report.dflt(chart, `mailu-k8s's default is the same (${JSON.stringify(value)})${note ? `; ${note}` : ''}`);
  } else if (!v.has(chart) && opts.chartDefaultWins === false) {
    report.dflt(chart, `mailu-k8s's ${JSON.stringify(ourDefault)} (the chart's default was ${JSON.stringify(value)})${note ? `; ${note}` : ''}`);
  } else {
    set(out, ours, value);
    report.mapped(chart, ours, note);
  }
}

const PLACEHOLDER_DOMAIN = 'example.com';
const PLACEHOLDER_SERVICE_CIDR6 = '2001:db8:43::/112';

export function mapIdentity(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  set(out, 'namespace', ctx.namespace);
  const domain = v.str('domain').toLowerCase();
  if (domain) {
    set(out, 'domain', domain);
    report.mapped('domain', 'domain');
  } else {
    set(out, 'domain', PLACEHOLDER_DOMAIN);
    report.placeholder('domain', 'domain', `empty in the values (the chart refuses to render without it): written as ${PLACEHOLDER_DOMAIN}, replace it`);
  }
  const hosts = v.strList('hostnames').map((h) => h.toLowerCase());
  if (hosts.length > 0) {
    set(out, 'hostnames', hosts);
    report.mapped('hostnames', 'hostnames', 'the first is the primary: MX target, HELO name, PTR target');
  } else {
    const h = `mail.${domain || PLACEHOLDER_DOMAIN}`;
    set(out, 'hostnames', [h]);
    report.placeholder('hostnames', 'hostnames', `empty in the values: written as ${h}, replace it with the name your MX record points at`);
  }
  carry(ctx, 'postmaster', 'postmaster', 'postmaster');
  carry(ctx, 'timezone', 'timezone', 'Etc/UTC');
  carry(ctx, 'recipientDelimiter', 'mailu.recipientDelimiter', '+');
  carry(ctx, 'clusterDomain', 'cluster.clusterDomain', 'cluster.local');
  carry(ctx, 'logLevel', 'mailu.logLevel', 'WARNING', { convert: (x) => String(x).toUpperCase() });
  mapSubnet(ctx);
  mapImages(ctx);
}

/** SUBNET is who may relay without authentication: it must be the pod network, no wider. */
function mapSubnet(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const subnet = v.str('subnet');
  const bits = Number(subnet.split('/')[1]);
  if (subnet.includes('/') && bits < 8) {
    report.refused('subnet', `${subnet} makes most of the address space "our network", which Mailu relays for without authentication (open relay)`, 'set it to the cluster\'s pod CIDR (cluster.podCidr), e.g. 10.42.0.0/16');
    return;
  }
  set(out, 'cluster.podCidr', subnet);
  report.mapped('subnet', 'cluster.podCidr', 'SUBNET must be the pod CIDR: check it is yours (and set cluster.serviceCidr to your service range)');
  const subnet6 = v.str('subnet6');
  if (subnet6) {
    set(out, 'cluster.podCidr6', subnet6);
    report.mapped('subnet6', 'cluster.podCidr6');
    // A dual-stack config needs the IPv6 service range too, which the chart never knew.
    set(out, 'cluster.serviceCidr6', PLACEHOLDER_SERVICE_CIDR6);
    report.placeholder('subnet6', 'cluster.serviceCidr6', `the chart has no IPv6 service range: written as ${PLACEHOLDER_SERVICE_CIDR6} (a documentation range), replace it with your cluster's (the IPv6 half of --service-cidr)`);
  } else if (v.has('subnet6')) report.dflt('subnet6', 'empty: no IPv6 pod network');
}

const MAILU_IMAGES = ['front', 'admin', 'postfix', 'dovecot', 'rspamd', 'webmail', 'webdav', 'fetchmail', 'oletools'];
const DEFAULT_REPOSITORY: Record<string, string> = {
  front: 'mailu/nginx', admin: 'mailu/admin', postfix: 'mailu/postfix', dovecot: 'mailu/dovecot', rspamd: 'mailu/rspamd',
  webmail: 'mailu/webmail', webdav: 'mailu/radicale', fetchmail: 'mailu/fetchmail', oletools: 'mailu/oletools',
};

/** One version, one registry, one pull policy for every Mailu image. */
function mapImages(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const version = v.str('mailuVersion');
  if (/^2024\.06(\.\d+)?$/.test(version)) {
    set(out, 'mailu.version', version);
    report.mapped('mailuVersion', 'mailu.version', 'the same images as the Helm release, so the move changes nothing else');
  } else if (version) {
    report.unsupported('mailuVersion', `mailu-k8s runs Mailu 2024.06 (its pinned release); ${version} is another line: upgrade the Helm release to 2024.06 first (Mailu migrates its database on start), then import`);
  } else if (v.has('mailuVersion')) {
    report.dflt('mailuVersion', 'empty (the chart ran its appVersion): mailu-k8s runs its own pinned 2024.06 release');
  }
  const registry = v.str('global.imageRegistry') || v.str('imageRegistry');
  const chartPaths = ['imageRegistry', 'global.imageRegistry'].filter((p) => v.has(p));
  if (registry && registry !== 'ghcr.io') {
    set(out, 'mailu.registry', `${registry.replace(/\/$/, '')}/mailu`);
    report.mapped(chartPaths, 'mailu.registry', 'the Mailu images from that registry (under mailu/)');
  } else if (chartPaths.length > 0) report.dflt(chartPaths, 'ghcr.io/mailu is mailu-k8s\'s default');
  for (const c of MAILU_IMAGES) {
    const repo = `${c}.image.repository`;
    if (v.has(repo) && v.str(repo) !== DEFAULT_REPOSITORY[c]) report.unsupported(repo, 'mailu-k8s runs Mailu\'s own images (mailu.registry chooses where from)');
    else if (v.has(repo)) report.dflt(repo, 'Mailu\'s own image');
    const tag = `${c}.image.tag`;
    if (v.has(tag) && v.str(tag)) report.unsupported(tag, 'one mailu.version for every Mailu image: components of different releases are not tested together');
    else if (v.has(tag)) report.dflt(tag, 'empty: mailu.version');
  }
  mapPullPolicy(ctx);
  for (const p of ['clamav.image', 'tika.image']) if (v.has(p)) report.dflt(p, 'mailu-k8s pins its own ClamAV and Tika images');
}

function mapPullPolicy(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const paths = MAILU_IMAGES.map((c) => `${c}.image.pullPolicy`).filter((p) => v.has(p));
  if (paths.length === 0) return;
  const policies = [...new Set(paths.map((p) => v.str(p)))];
  if (policies.length > 1) report.unsupported(paths, `one mailu.imagePullPolicy for every image (the values have ${policies.join(', ')})`);
  else if (policies[0] === 'IfNotPresent') report.dflt(paths, 'IfNotPresent is mailu-k8s\'s default');
  else {
    set(out, 'mailu.imagePullPolicy', policies[0]);
    report.mapped(paths, 'mailu.imagePullPolicy');
  }
}
