// Limits and Mailu tunables: rate limits, message size, DMARC report addresses, and the settings
// that become mailu.env entries. Unsafe choices (relaying for networks, header login, cookies over
// plain HTTP, cheap password hashes, TLS errors ignored) are refused.
import { MANAGED_ENV } from '../model/env-policy.js';
import { type ImportContext, set } from './context.js';
import { carry } from './map-identity.js';

const commaList = (x: unknown) => String(x ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function mapLimits(ctx: ImportContext): void {
  const limits = (p: string, ours: string, dflt: unknown, convert?: (x: unknown) => unknown) =>
    carry(ctx, `limits.${p}`, `mailu.rateLimits.${ours}`, dflt, { chartDefaultWins: false, ...(convert ? { convert } : {}) });
  carry(ctx, 'limits.messageSizeLimitInMegabytes', 'mailu.messageSizeLimit', '50Mi', {
    convert: (x) => `${Number(x)}Mi`,
    note: 'the chart counts megabytes of 1024 × 1024 bytes',
  });
  limits('authRatelimit.ip', 'authIp', '5/hour');
  limits('authRatelimit.ipv4Mask', 'authIpV4Mask', 24, Number);
  limits('authRatelimit.ipv6Mask', 'authIpV6Mask', 48, Number);
  limits('authRatelimit.user', 'authUser', '50/day');
  limits('authRatelimit.exemption', 'exemption', [], commaList);
  limits('messageRatelimit.value', 'message', '200/day');
  limits('messageRatelimit.exemption', 'messageExemption', [], commaList);
  mapDmarc(ctx);
  mapTunables(ctx);
  refuseUnsafe(ctx);
}

/** The chart takes local parts (Mailu appends @DOMAIN); ours takes addresses. */
function mapDmarc(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const domain = v.str('domain') || 'example.com';
  for (const k of ['rua', 'ruf'] as const) {
    const local = v.str(`dmarc.${k}`);
    if (local) {
      set(out, `dns.dmarc.${k}`, local.includes('@') ? local : `${local}@${domain}`);
      report.mapped(`dmarc.${k}`, `dns.dmarc.${k}`, 'as an address in the mail domain');
    } else if (v.has(`dmarc.${k}`)) report.dflt(`dmarc.${k}`, 'empty: no reports requested');
  }
}

/** [chart path, Mailu variable, Mailu's own default]: mailu.env only where the chart differs. */
const TUNABLES: [string, string, unknown][] = [
  ['limits.authRatelimit.exemptionLength', 'AUTH_RATELIMIT_EXEMPTION_LENGTH', 86400],
  ['authRequireTokens', 'AUTH_REQUIRE_TOKENS', false],
  ['sessionTimeout', 'SESSION_TIMEOUT', 3600],
  ['permanentSessionLifetime', 'PERMANENT_SESSION_LIFETIME', 2592000],
  ['letsencryptShortchain', 'LETSENCRYPT_SHORTCHAIN', false],
  ['customization.siteName', 'SITENAME', 'Mailu'],
  ['customization.website', 'WEBSITE', 'https://mailu.io'],
  ['customization.logoUrl', 'LOGO_URL', ''],
  ['customization.logoBackground', 'LOGO_BACKGROUND', ''],
  ['tls.inboundEnforce', 'INBOUND_TLS_ENFORCE', ''],
  ['rspamd.antivirusAction', 'ANTIVIRUS_ACTION', 'discard'],
  ['dovecot.compression', 'COMPRESSION', ''],
  ['externalDatabase.appendix', 'DB_APPENDIX', ''],
];

const envText = (x: unknown) => (Array.isArray(x) ? x.join(',') : String(x ?? ''));

/**
 * Variables mailu-k8s sets from a typed field (the env policy names it) instead of mailu.env:
 * the chart's value converted for that field.
 */
const TYPED_FIELDS: Record<string, (x: unknown) => unknown> = {
  'mailu.welcome.enabled': (x) => x === true || String(x) === 'true',
  'mailu.welcome.subject': String,
  'mailu.welcome.body': String,
  'mailu.sessionTimeout': Number,
  'mailu.sessionLifetime': Number,
  'mailu.credentialRounds': Number,
  'mailu.antivirusAction': String,
  'mailu.tls.inbound': (x) => (x === true || String(x) === 'true' ? 'encrypt' : 'may'),
  'webmail.roundcubePlugins': (x) => (Array.isArray(x) ? x.map(String) : envText(x).split(',')),
  'fetchmail.delaySeconds': Number,
};

/** The field the env policy names for a variable, when it is one key of ours. */
function typedField(env: string): string | undefined {
  const f = MANAGED_ENV[env];
  return f !== undefined && f in TYPED_FIELDS ? f : undefined;
}

function tunable(ctx: ImportContext, chart: string, env: string, mailuDefault: unknown): void {
  const { v, out, report } = ctx;
  const value = v.get(chart);
  if (envText(value) === envText(mailuDefault)) {
    if (v.has(chart)) report.dflt(chart, `Mailu's own default for ${env}`);
    return;
  }
  const field = typedField(env);
  if (field) {
    set(out, field, TYPED_FIELDS[field]!(value));
    report.mapped(chart, field);
  } else if (MANAGED_ENV[env] !== undefined) {
    report.unsupported(chart, `mailu-k8s sets ${env} from ${MANAGED_ENV[env]}`);
  } else {
    set(out, `mailu.env.${env}`, envText(value));
    report.mapped(chart, `mailu.env.${env}`);
  }
}

function mapTunables(ctx: ImportContext): void {
  const { v, report } = ctx;
  for (const [chart, env, dflt] of TUNABLES) tunable(ctx, chart, env, dflt);
  // The chart always sends a welcome mail (Mailu's default is not to).
  if (v.bool('welcomeMessage.enabled')) {
    tunable(ctx, 'welcomeMessage.enabled', 'WELCOME', false);
    tunable(ctx, 'welcomeMessage.subject', 'WELCOME_SUBJECT', 'Dummy welcome topic');
    tunable(ctx, 'welcomeMessage.body', 'WELCOME_BODY', 'Dummy welcome body');
  } else if (v.has('welcomeMessage')) report.dflt('welcomeMessage', 'no welcome mail, as Mailu\'s default');
  tunable(ctx, 'wildcardSenders', 'WILDCARD_SENDERS', '');
  if (v.str('dovecot.compression')) tunable(ctx, 'dovecot.compressionLevel', 'COMPRESSION_LEVEL', '');
  else if (v.has('dovecot.compressionLevel')) report.dflt('dovecot.compressionLevel', 'only used with dovecot.compression');
  // Fetchmail's delay: the chart sets 600 s, Mailu's own default is 60 s.
  if (v.bool('fetchmail.enabled')) tunable(ctx, 'fetchmail.delay', 'FETCHMAIL_DELAY', 60);
  else if (v.has('fetchmail.delay')) report.dflt('fetchmail.delay', 'fetchmail is off');
  const plugins = 'webmail.roundcubePlugins';
  if (v.has(plugins) && v.str('webmail.type') !== 'snappymail' && v.strList(plugins).join(',') !== 'archive,zipdownload,markasjunk,managesieve,enigma,carddav,mailu') {
    tunable(ctx, plugins, 'ROUNDCUBE_PLUGINS', '');
  } else if (v.has(plugins)) report.dflt(plugins, 'the chart\'s default plugin list, the webmail image\'s own');
  const outbound = v.str('tls.outboundLevel');
  if (outbound === 'none') {
    report.refused('tls.outboundLevel', 'none sends all outbound mail in clear text, even to servers that offer TLS', 'leave it out (Mailu\'s dane) or write may (opportunistic TLS) at the least');
  } else if (outbound) {
    set(ctx.out, 'mailu.tls.outbound', outbound);
    report.mapped('tls.outboundLevel', 'mailu.tls.outbound');
  } else if (v.has('tls.outboundLevel')) report.dflt('tls.outboundLevel', 'empty: Mailu\'s default (dane)');
}

function refuseUnsafe(ctx: ImportContext): void {
  const { v, report } = ctx;
  const rounds = v.num('credentialRounds');
  if (rounds !== undefined && rounds < 12) {
    report.refused('credentialRounds', `${rounds} rounds make stolen password hashes cheap to crack`, 'leave it out (Mailu\'s 12) or set 12 or more');
  } else if (rounds !== undefined && rounds > 12) tunable(ctx, 'credentialRounds', 'CREDENTIAL_ROUNDS', 12);
  else if (v.has('credentialRounds')) report.dflt('credentialRounds', 'Mailu\'s own default (12)');
  if (v.has('sessionCookieSecure') && !v.bool('sessionCookieSecure')) {
    report.refused('sessionCookieSecure', 'false sends the admin and webmail session cookies over plain HTTP', 'serve the web UI over HTTPS (web.kind with TLS) and leave it out');
  } else if (v.has('sessionCookieSecure')) report.dflt('sessionCookieSecure', 'secure cookies, as Mailu does whenever TLS is on');
  const defer = v.str('tls.deferOnError');
  if (defer.toLowerCase() === 'false') {
    report.refused('tls.deferOnError', 'false lets postfix deliver without the TLS a receiving domain\'s DANE or MTA-STS policy demands when the policy cannot be checked', 'leave it out (Mailu defers such mail and retries)');
  } else if (defer) tunable(ctx, 'tls.deferOnError', 'DEFER_ON_TLS_ERROR', '');
  else if (v.has('tls.deferOnError')) report.dflt('tls.deferOnError', 'empty: Mailu\'s default (defer)');
  const nets = v.strList('externalRelay.networks');
  if (nets.length > 0) {
    report.refused('externalRelay.networks', `RELAYNETS lets anyone in ${nets.join(', ')} send mail anywhere without authenticating`, 'have those senders authenticate (submission on 465 or 587 with a Mailu account or an API token)');
  } else if (v.has('externalRelay.networks')) report.dflt('externalRelay.networks', 'empty: no networks relay without authentication');
  const whitelist = v.str('proxyAuth.whitelist');
  if (whitelist) {
    report.refused('proxyAuth.whitelist', `header login trusts ${whitelist}: whoever reaches front from there with the ${v.str('proxyAuth.header') || 'X-Auth-Email'} header is logged in as any user`, 'log in with Mailu\'s own accounts (or put an SSO in front that keeps Mailu\'s login)');
  } else if (v.has('proxyAuth')) report.dflt('proxyAuth', 'no header login (its header and create settings do nothing without proxyAuth.whitelist)');
}
