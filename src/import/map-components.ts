// Which components run, and what each is given: resources. A component the release runs keeps
// running (the chart's defaults count: Tika is on there, off in mailu-k8s).
import { type ImportContext, set } from './context.js';
import { mapResourceBlock } from './map-backends.js';
import { carry } from './map-identity.js';
import { badValue, isEmpty } from './values.js';

/** The chart's component keys → ours. */
export const CHART_COMPONENTS: Record<string, string> = {
  front: 'front',
  admin: 'admin',
  postfix: 'smtp',
  dovecot: 'imap',
  rspamd: 'antispam',
  clamav: 'antivirus',
  webmail: 'webmail',
  webdav: 'webdav',
  fetchmail: 'fetchmail',
  oletools: 'oletools',
  tika: 'tika',
};

export function mapComponents(ctx: ImportContext): void {
  const { v, report } = ctx;
  mapWebmail(ctx);
  const toggle = (chart: string, ours: string, dflt: boolean) => carry(ctx, `${chart}.enabled`, `components.${ours}`, dflt, { convert: () => v.bool(`${chart}.enabled`), chartDefaultWins: true });
  toggle('admin', 'admin', true);
  toggle('clamav', 'antivirus', true);
  toggle('oletools', 'oletools', true);
  toggle('tika', 'tika', false);
  toggle('webdav', 'webdav', false);
  toggle('fetchmail', 'fetchmail', false);
  if (v.bool('tika.enabled')) {
    const langs = v.strList('tika.languages').map((l) => l.toLowerCase());
    carry(ctx, 'tika.languages', 'mailu.fullTextSearch', 'en', { convert: () => langs.join(','), chartDefaultWins: true });
  } else if (v.has('tika.languages')) report.dflt('tika.languages', 'only used with Tika (Mailu\'s full-text search stays en)');
  for (const [chart, ours] of [['dovecot', 'imap'], ['rspamd', 'antispam']]) {
    if (v.has(`${chart}.enabled`) && !v.bool(`${chart}.enabled`)) report.unsupported(`${chart}.enabled`, `${ours} always runs (${ours === 'imap' ? 'it holds the mailboxes' : 'postfix hands every message to it'})`);
    else if (v.has(`${chart}.enabled`)) report.dflt(`${chart}.enabled`, `${ours} always runs`);
  }
  const uri = (chart: string, path: string) => {
    const val = v.str(`${chart}.uri`);
    if (val && val.replace(/\/$/, '') !== path) report.unsupported(`${chart}.uri`, `mailu-k8s serves it at ${path} (fixed routes)`);
    else if (v.has(`${chart}.uri`)) report.dflt(`${chart}.uri`, path);
  };
  uri('admin', '/admin');
  uri('webmail', '/webmail');
  for (const [chart, ours] of Object.entries(CHART_COMPONENTS)) perComponent(ctx, chart, ours);
  mapMonitoring(ctx);
  const levels = Object.keys(CHART_COMPONENTS).map((c) => `${c}.logLevel`).filter((p) => v.has(p));
  const given = levels.filter((p) => v.str(p));
  if (given.length > 0) report.unsupported(levels, `one mailu.logLevel for every component (the values set ${given.map((p) => `${p.split('.')[0]} ${v.str(p)}`).join(', ')})`);
  else report.dflt(levels, 'empty: mailu.logLevel');
}

function mapWebmail(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const type = v.str('webmail.type') || 'roundcube';
  if (type !== 'roundcube' && type !== 'snappymail') throw badValue('webmail.type', `must be roundcube or snappymail (got ${JSON.stringify(type)})`);
  const value = v.bool('webmail.enabled') ? type : 'none';
  const paths = ['webmail.enabled', 'webmail.type'].filter((p) => v.has(p));
  if (value === 'roundcube') report.dflt(paths, 'Roundcube, mailu-k8s\'s default (the chart\'s too)');
  else {
    set(out, 'components.webmail', value);
    report.mapped(paths, 'components.webmail');
  }
}

/** The per-component keys that carry over: resources; the rest is reported. */
function perComponent(ctx: ImportContext, chart: string, ours: string): void {
  const { v, report } = ctx;
  if (v.has(`${chart}.resources`)) mapResourceBlock(ctx, `${chart}.resources`, ours);
  const overrides = `${chart}.overrides`;
  const daemon = OVERRIDE_DAEMON[chart];
  const files = v.strMap(overrides);
  if (daemon && Object.keys(files).length > 0) {
    set(ctx.out, `overrides.${daemon}`, files);
    report.mapped(overrides, `overrides.${daemon}`, `the same files in ${ours}'s /overrides${chart === 'front' ? ' (an MTA-STS policy can also come from dns.mtaSts)' : ''}`);
  } else if (v.has(overrides)) report.dflt(overrides, 'empty');
}

/** The chart's overrides → Mailu's daemon names, which our overrides.* use. */
const OVERRIDE_DAEMON: Record<string, string> = { front: 'nginx', postfix: 'postfix', dovecot: 'dovecot', rspamd: 'rspamd' };

/** rspamd's ServiceMonitor → metrics (mailu-k8s scrapes rspamd and its DNS operator; dovecot has no metrics listener by default). */
function mapMonitoring(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  if (v.bool('rspamd.serviceMonitor.enabled')) {
    const m: Record<string, unknown> = { enabled: true, kind: 'serviceMonitor' };
    const ns = v.str('networkPolicy.monitoring.namespace');
    if (ns) m.namespace = ns;
    const interval = v.str('rspamd.serviceMonitor.interval');
    if (interval) m.interval = interval;
    set(out, 'metrics', m);
    report.mapped(['rspamd.serviceMonitor.enabled', 'rspamd.serviceMonitor.interval', 'networkPolicy.monitoring.namespace'].filter((p) => v.has(p)), 'metrics', 'a ServiceMonitor for rspamd; Prometheus\'s namespace is admitted to its metrics port');
    const rest = v.leaves('rspamd.serviceMonitor').filter((p) => !report.covers(p) && !isEmpty(v.get(p)));
    report.unsupported(rest, 'metrics has enabled, kind, namespace, podLabels, labels and interval');
    if (v.has('networkPolicy.monitoring.podSelector')) report.unsupported('networkPolicy.monitoring.podSelector', 'write Prometheus\'s pod labels in metrics.podLabels');
  } else if (v.has('rspamd.serviceMonitor')) report.dflt('rspamd.serviceMonitor', 'off');
  if (v.bool('dovecot.serviceMonitor.enabled')) report.unsupported('dovecot.serviceMonitor', 'metrics covers rspamd and the DNS operator; dovecot\'s statistics listener is not set up');
  else if (v.has('dovecot.serviceMonitor')) report.dflt('dovecot.serviceMonitor', 'off');
  if (!v.bool('rspamd.serviceMonitor.enabled') && v.has('networkPolicy.monitoring')) report.dflt('networkPolicy.monitoring', 'no monitoring: nothing to admit');
}
