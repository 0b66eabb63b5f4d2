// What `mailu.env` may set. Mailu reads dozens of variables; those that decide trust, wiring or a
// protection come from typed config fields whose invariants are checked, so mailu.env must never
// reach them. Audited against Mailu 2024.06's configuration.py, start-up scripts and templates.
// Everything not listed as tunable is refused: a typo (WELCOM) or a variable this Mailu does not
// read would otherwise be written and silently ignored.
import type { ConfigIssue } from '../config/errors.js';
import type { MailuConfig } from '../config/schema.js';
import { closest } from '../config/suggest.js';

/** Set by mailu-k8s from a typed field: the field to use instead. */
export const MANAGED_ENV: Readonly<Record<string, string>> = {
  SUBNET: 'cluster.podCidr',
  SUBNET6: 'cluster.podCidr6',
  REAL_IP_FROM: 'exposure (trustedProxyCidrs / proxyProtocol.trustedCidrs) and web.realIpFrom',
  REAL_IP_HEADER: 'web.realIpFrom',
  PROXY_PROTOCOL: 'exposure.mode and exposure.loadBalancer.proxyProtocol',
  PORTS: 'exposure.ports',
  TLS: 'exposure.ports and tls (the listeners that need a certificate)',
  TLS_FLAVOR: 'tls.source and web.kind',
  TLS_CERT_FILENAME: 'tls',
  TLS_KEYPAIR_FILENAME: 'tls',
  DOMAIN: 'domain',
  HOSTNAMES: 'hostnames',
  POSTMASTER: 'postmaster',
  TZ: 'timezone',
  LOG_LEVEL: 'mailu.logLevel',
  MESSAGE_SIZE_LIMIT: 'mailu.messageSizeLimit',
  RECIPIENT_DELIMITER: 'mailu.recipientDelimiter',
  AUTH_RATELIMIT_IP: 'mailu.rateLimits.authIp',
  AUTH_RATELIMIT_IP_V4_MASK: 'mailu.rateLimits.authIpV4Mask',
  AUTH_RATELIMIT_IP_V6_MASK: 'mailu.rateLimits.authIpV6Mask',
  AUTH_RATELIMIT_USER: 'mailu.rateLimits.authUser',
  AUTH_RATELIMIT_EXEMPTION: 'mailu.rateLimits.exemption',
  MESSAGE_RATELIMIT: 'mailu.rateLimits.message',
  MESSAGE_RATELIMIT_EXEMPTION: 'mailu.rateLimits.messageExemption',
  ADMIN: 'components.admin',
  WEBMAIL: 'components.webmail',
  WEBDAV: 'components.webdav',
  ANTIVIRUS: 'components.antivirus',
  SCAN_MACROS: 'components.oletools',
  FETCHMAIL_ENABLED: 'components.fetchmail',
  FULL_TEXT_SEARCH: 'mailu.fullTextSearch',
  FULL_TEXT_SEARCH_ATTACHMENTS: 'components.tika',
  API: 'secrets.apiToken',
  API_TOKEN: 'secrets.apiToken',
  WEB_ADMIN: 'web (the routed paths are fixed)',
  WEB_WEBMAIL: 'web (the routed paths are fixed)',
  WEB_API: 'web (the routed paths are fixed)',
  WEBROOT_REDIRECT: 'components.webmail / components.admin',
  DKIM_SELECTOR: 'dns.dkim.selector',
  DMARC_RUA: 'dns.dmarc.rua',
  DMARC_RUF: 'dns.dmarc.ruf',
  SECRET_KEY: 'secrets.secretKey',
  INITIAL_ADMIN_ACCOUNT: 'secrets.initialAdmin.username',
  INITIAL_ADMIN_DOMAIN: 'domain',
  INITIAL_ADMIN_MODE: 'secrets.initialAdmin.mode',
  INITIAL_ADMIN_PW: 'secrets.initialAdmin.secret',
  RELAYHOST: 'egress.mode: relay (egress.host, egress.port)',
  RELAYUSER: 'egress.secret',
  RELAYPASSWORD: 'egress.secret',
  OUTBOUND_TLS_LEVEL: 'mailu.tls.outbound (with egress relay credentials, at least encrypt)',
  WELCOME: 'mailu.welcome.enabled',
  WELCOME_SUBJECT: 'mailu.welcome.subject',
  WELCOME_BODY: 'mailu.welcome.body',
  DEFAULT_QUOTA: 'mailu.defaultQuota',
  INBOUND_TLS_ENFORCE: 'mailu.tls.inbound',
  ANTIVIRUS_ACTION: 'mailu.antivirusAction',
  SESSION_TIMEOUT: 'mailu.sessionTimeout',
  PERMANENT_SESSION_LIFETIME: 'mailu.sessionLifetime',
  CREDENTIAL_ROUNDS: 'mailu.credentialRounds',
  ROUNDCUBE_PLUGINS: 'webmail.roundcubePlugins',
  FETCHMAIL_DELAY: 'fetchmail.delaySeconds',
  MAX_FILESIZE: 'mailu.messageSizeLimit (Mailu\'s webmail derives its upload limit from it, 66 %, and overwrites MAX_FILESIZE)',
  DB_FLAVOR: 'database.type',
  DB_HOST: 'database.host / database.port',
  DB_NAME: 'database.name',
  DB_USER: 'database.secret',
  DB_PW: 'database.secret',
  SQLALCHEMY_DATABASE_URI: 'database',
  SQLALCHEMY_DATABASE_URI_ROUNDCUBE: 'database.roundcube',
  SQLITE_DATABASE_FILE: 'database (the file lives on admin\'s volume)',
  ROUNDCUBE_DB_FLAVOR: 'database.roundcube',
  ROUNDCUBE_DB_HOST: 'database.roundcube',
  ROUNDCUBE_DB_NAME: 'database.roundcube.name',
  ROUNDCUBE_DB_USER: 'database.roundcube.secret',
  ROUNDCUBE_DB_PW: 'database.roundcube.secret',
  REDIS_ADDRESS: 'redis',
  RATELIMIT_STORAGE_URL: 'redis',
  QUOTA_STORAGE_URL: 'redis',
  SESSION_STORAGE_URL: 'redis',
  I_KNOW_MY_SETUP_DOESNT_FIT_REQUIREMENTS_AND_WONT_FILE_ISSUES_WITHOUT_PATCHES: 'mailu-k8s (always set: Mailu runs outside Docker)',
  MAILU_HELM_CHART: 'mailu-k8s (always set)',
};

/** Refused outright: what they switch on is a hole, or they belong in a Secret, not a ConfigMap. */
export const REFUSED_ENV: Readonly<Record<string, string>> = {
  RELAYNETS: 'relays mail without authentication for whole networks, which is not supported; give senders an account (or use egress.mode: relay for outbound mail)',
  PROXY_AUTH_WHITELIST: 'header login (PROXY_AUTH_*) lets anyone who can reach front with that header log in as any user; it is not supported',
  PROXY_AUTH_HEADER: 'header login (PROXY_AUTH_*) is not supported',
  PROXY_AUTH_CREATE: 'header login (PROXY_AUTH_*) is not supported',
  PROXY_AUTH_LOGOUT_URL: 'header login (PROXY_AUTH_*) is not supported',
  DEBUG: 'Flask debug mode exposes internals on a public web UI; use mailu.logLevel: DEBUG',
  DEBUG_PROFILER: 'debug tooling is not for a public deployment; use mailu.logLevel: DEBUG',
  DEBUG_ASSETS: 'debug tooling is not for a public deployment',
  DEBUG_TB_INTERCEPT_REDIRECTS: 'debug tooling is not for a public deployment',
  ROUNDCUBE_KEY: 'a secret does not belong in a ConfigMap; Mailu derives it from secrets.secretKey',
  SNUFFLEUPAGUS_KEY: 'a secret does not belong in a ConfigMap; Mailu derives it from secrets.secretKey',
  RECAPTCHA_PRIVATE_KEY: 'a secret does not belong in a ConfigMap (mailu.env is written to one)',
  DKIM_PATH: 'DKIM keys live on admin\'s volume at Mailu\'s default path',
  INSTANCE_ID_PATH: 'the instance id lives on admin\'s volume at Mailu\'s default path',
  TLS_ERROR: 'set by Mailu itself when the certificate is missing',
  LD_PRELOAD: 'not a Mailu setting: it injects code into every process',
  HOSTNAME: 'set by Kubernetes',
  HOME: 'set by the image',
};

/**
 * Tunables mailu.env may set (written to the shared ConfigMap as strings). A check, where present,
 * refuses values that would switch off a protection Mailu has by default.
 */
export const TUNABLE_ENV: Readonly<Record<string, { what: string; check?: (v: string) => string | undefined }>> = {
  SITENAME: { what: 'name shown in the web UI' },
  WEBSITE: { what: 'link shown in the web UI' },
  LOGO_URL: { what: 'logo in the web UI' },
  LOGO_BACKGROUND: { what: 'logo background colour' },
  DEFAULT_SPAM_THRESHOLD: { what: 'default spam threshold (percent)' },
  WILDCARD_SENDERS: { what: 'users allowed to send as any address (comma list)' },
  DOMAIN_REGISTRATION: { what: 'let users register domains (true/false)' },
  REJECT_UNLISTED_RECIPIENT: { what: 'reject unknown recipients at SMTP time (yes/no)' },
  AUTH_RATELIMIT_EXEMPTION_LENGTH: { what: 'seconds a successful login exempts its address from the IP rate limit' },
  AUTH_REQUIRE_TOKENS: { what: 'require application tokens for IMAP/SMTP (true/false)' },
  TLS_PERMISSIVE: { what: 'accept old TLS versions on mail ports (Mailu default true)' },
  DEFER_ON_TLS_ERROR: { what: 'defer mail when DANE/MTA-STS TLS fails (Mailu default true)', check: (v) => (isFalse(v) ? 'switches off DANE/MTA-STS enforcement for outbound mail' : undefined) },
  SESSION_COOKIE_SECURE: { what: 'web session cookie only over HTTPS', check: (v) => (isFalse(v) ? 'sends the web session cookie over plain HTTP' : undefined) },
  SESSION_KEY_BITS: { what: 'session key length', check: (v) => (/^\d+$/.test(v) && Number(v) >= 128 ? undefined : 'must be at least 128') },
  MEMORY_SESSIONS: { what: 'keep web sessions in memory instead of Redis' },
  DISABLE_STATISTICS: { what: 'do not send anonymous usage statistics' },
  BABEL_DEFAULT_LOCALE: { what: 'default web UI language' },
  RECAPTCHA_PUBLIC_KEY: { what: 'reCAPTCHA site key for sign-up' },
  COMPRESSION: { what: 'mailbox compression (gz, bz2, lz4, zstd)' },
  COMPRESSION_LEVEL: { what: 'mailbox compression level' },
  DB_APPENDIX: { what: 'appended to the database URI, e.g. ?sslmode=require' },
  POSTFIX_LOG_SYSLOG: { what: 'postfix syslog facility' },
  CPU_COUNT: { what: 'processes per daemon (default: the node\'s CPU count)' },
  LETSENCRYPT_SHORTCHAIN: { what: 'strip the root from a Let\'s Encrypt chain' },
};

// Flags Mailu derives from PORTS / PROXY_PROTOCOL / TLS at start-up: never set by hand.
const DERIVED = /^(PORT|PROXY_PROTOCOL|TLS)_\d+$/;

function isFalse(v: string): boolean {
  return ['false', 'no', '0', 'off'].includes(v.trim().toLowerCase());
}

/** Where a variable comes from: a value written in the config, or a key of a Secret or ConfigMap. */
export type EnvInput = string | { from: 'secret' | 'configMap' };

/** Where the variables go, which decides what they may be. */
export interface EnvScope {
  /** The field the issues name: mailu.env, workloads.admin.env, … */
  path: string;
  /** One pod's own environment (workloads.*.env): a secret may come from a Secret, proxy settings pass. */
  perPod?: boolean;
  /** An image that reads no Mailu settings: names Mailu does not know pass (the refusals still apply). */
  anyName?: boolean;
}

/** Secrets a pod may take from a Secret (never from mailu.env, which is written to a ConfigMap). */
const SECRET_FROM_SECRET = new Set(['RECAPTCHA_PRIVATE_KEY']);
/** Process settings Mailu does not read but its HTTP clients honour, allowed per pod. */
export const PROCESS_ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/** One line per variable that may not be written (mailu.env by default). */
export function envPolicyIssues(env: Readonly<Record<string, EnvInput>>, scope: EnvScope = { path: 'mailu.env' }): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(env)) {
    const message = refusal(key, value, scope);
    if (message) out.push({ path: `${scope.path}.${key}`, message });
  }
  return out;
}

function refusal(key: string, value: EnvInput, scope: EnvScope): string | undefined {
  // Mailu reads KEY_FILE instead of KEY when present: the same rules apply to both spellings.
  const base = key.endsWith('_FILE') ? key.slice(0, -5) : key;
  if (MANAGED_ENV[base]) return `is set by mailu-k8s; configure ${MANAGED_ENV[base]} instead`;
  if (base.endsWith('_ADDRESS')) return 'is set by mailu-k8s (service discovery: the Services it creates, or database/redis for external ones)';
  const fromSecret = typeof value !== 'string' && value.from === 'secret';
  if (scope.perPod && SECRET_FROM_SECRET.has(key)) return fromSecret ? undefined : 'is a secret: take it from a Secret ({secretKeyRef: {name, key}})';
  if (REFUSED_ENV[base]) return `is refused: ${REFUSED_ENV[base]}`;
  if (DERIVED.test(base)) return 'is derived by Mailu from PORTS, PROXY_PROTOCOL and TLS: configure exposure.ports / exposure.mode';
  const tunable = TUNABLE_ENV[key];
  // A checked setting read from a file (KEY_FILE) would bypass its check.
  if (!tunable && base !== key && TUNABLE_ENV[base]?.check) return `reads ${base} from a file, which cannot be checked; set ${base} itself`;
  if (!tunable) return unknownName(key, scope);
  if (typeof value !== 'string') {
    return tunable.check ? `comes from a ${value.from === 'secret' ? 'Secret' : 'ConfigMap'} here, so it cannot be checked (${tunable.what}); write the value itself` : undefined;
  }
  const problem = tunable.check?.(value);
  return problem ? `"${value}" ${problem}` : undefined;
}

function unknownName(key: string, scope: EnvScope): string | undefined {
  if (scope.anyName || (scope.perPod && PROCESS_ENV.includes(key))) return undefined;
  const hint = closest(key, [...Object.keys(TUNABLE_ENV), ...Object.keys(MANAGED_ENV)]);
  return `is not a Mailu 2024.06 setting ${scope.path} passes on${hint ? ` (did you mean "${hint}"?)` : ''}; the README lists the variables it accepts`;
}

/** OUTBOUND_TLS_LEVEL, when set: mailu.tls.outbound, or encrypt for relay credentials. */
export function outboundTlsLevel(config: MailuConfig): string | undefined {
  // Mailu's default (dane) is opportunistic without TLSA records: a stripped STARTTLS would send
  // the relay password in clear. Credentials therefore require TLS.
  const floor = config.egress.mode === 'relay' && config.egress.secret ? 'encrypt' : undefined;
  // mailu.tls.outbound, when given, is at least the floor (model/knobs.ts refuses it otherwise).
  return config.mailu.tls.outbound ?? floor;
}
