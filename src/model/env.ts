// Mailu's environment, decided once. Non-secret settings go to one shared ConfigMap; secrets are
// only ever references (secretKeyRef), so no secret value can appear in generated manifests.
import { quantityToBytes } from '../config/quantity.js';
import type { ComponentName, MailuConfig } from '../config/schema.js';
import type { ComponentModel } from './components.js';
import { outboundTlsLevel } from './env-policy.js';
import { redisAuthEnv, typedSettingsEnv } from './knobs.js';
import { adminOnlyApiToken } from './mailu-api.js';
import { type Exposure, mailuPorts } from './exposure.js';
import type { Trust } from './trust.js';

export interface SecretRef {
  name: string;
  key: string;
}

export type EnvVar = { name: string; value: string } | { name: string; secret: SecretRef };

export interface EnvModel {
  /** The shared ConfigMap (envFrom in every Mailu container). Keys sorted for stable output. */
  shared: Record<string, string>;
  /** Per-component variables: secret references and component-only settings. */
  perComponent: Partial<Record<ComponentName, EnvVar[]>>;
}

/** Components that run a Mailu image reading the shared environment. */
export const MAILU_IMAGES: readonly ComponentName[] = ['front', 'admin', 'smtp', 'imap', 'antispam', 'webmail', 'webdav', 'fetchmail', 'oletools'];

// Sizes are understood in one place, the config layer; re-exported for the chart's body limit.
export { quantityToBytes };

/** Mailu takes DMARC report addresses as local parts of DOMAIN; other domains cannot be expressed. */
function localPartIn(addr: string | undefined, domain: string): string | undefined {
  if (!addr) return undefined;
  const at = addr.lastIndexOf('@');
  return addr.slice(at + 1).toLowerCase() === domain ? addr.slice(0, at) : undefined;
}

/** A host as it goes into a URI: IPv6 literals in brackets (Mailu builds redis:// and database URIs). */
function uriHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function hostPort(host: string, port: number): string {
  return `${uriHost(host)}:${port}`;
}

export function secretKeyRef(config: MailuConfig): SecretRef {
  return { name: config.secrets.secretKey.name ?? `${config.instance}-secret-key`, key: config.secrets.secretKey.key };
}

export function buildEnv(
  config: MailuConfig,
  components: Map<ComponentName, ComponentModel>,
  exp: Exposure,
  trust: Trust,
): EnvModel {
  const c = config.components;
  const has = (n: ComponentName) => components.has(n);
  const bool = (b: boolean) => (b ? 'true' : 'false');
  const rl = config.mailu.rateLimits;
  const s: Record<string, string> = {
    DOMAIN: config.domain,
    HOSTNAMES: config.hostnames.join(','),
    POSTMASTER: config.postmaster,
    TZ: config.timezone,
    LOG_LEVEL: config.mailu.logLevel,
    // Mailu refuses to start outside Docker unless told the operator knows what they are doing.
    I_KNOW_MY_SETUP_DOESNT_FIT_REQUIREMENTS_AND_WONT_FILE_ISSUES_WITHOUT_PATCHES: 'true',
    MAILU_HELM_CHART: 'true',
    SUBNET: trust.subnet,
    TLS_FLAVOR: exp.tlsFlavor,
    PORTS: mailuPorts(exp).join(','),
    TLS: exp.tlsPorts.join(','),
    MESSAGE_SIZE_LIMIT: String(quantityToBytes(config.mailu.messageSizeLimit)),
    RECIPIENT_DELIMITER: config.mailu.recipientDelimiter,
    AUTH_RATELIMIT_IP: rl.authIp,
    AUTH_RATELIMIT_IP_V4_MASK: String(rl.authIpV4Mask),
    AUTH_RATELIMIT_IP_V6_MASK: String(rl.authIpV6Mask),
    AUTH_RATELIMIT_USER: rl.authUser,
    AUTH_RATELIMIT_EXEMPTION: rl.exemption.join(','),
    MESSAGE_RATELIMIT: rl.message,
    MESSAGE_RATELIMIT_EXEMPTION: rl.messageExemption.join(','),
    ADMIN: bool(c.admin),
    WEB_ADMIN: '/admin',
    WEBMAIL: c.webmail,
    WEB_WEBMAIL: '/webmail',
    WEBDAV: c.webdav ? 'radicale' : 'none',
    API: bool(config.secrets.apiToken !== undefined),
    WEB_API: '/api',
    WEBROOT_REDIRECT: c.webmail !== 'none' ? '/webmail' : c.admin ? '/admin' : 'none',
    ANTIVIRUS: c.antivirus ? 'clamav' : 'none',
    SCAN_MACROS: bool(c.oletools),
    FULL_TEXT_SEARCH: config.mailu.fullTextSearch,
    // Set only when on: dovecot's template reads the raw string, where "false" counts as true.
    ...(c.tika ? { FULL_TEXT_SEARCH_ATTACHMENTS: 'true' } : {}),
    DKIM_SELECTOR: config.dns.dkim.selector,
    FETCHMAIL_ENABLED: bool(c.fetchmail),
  };
  if (exp.tlsFlavor !== 'notls') {
    // The kubernetes.io/tls Secret is mounted whole (no subPath) so renewals reach front.
    s.TLS_CERT_FILENAME = 'tls.crt';
    s.TLS_KEYPAIR_FILENAME = 'tls.key';
  }
  if (trust.subnet6) s.SUBNET6 = trust.subnet6;
  if (trust.proxyProtocol.length > 0) s.PROXY_PROTOCOL = trust.proxyProtocol.join(',');
  if (trust.realIpFrom.length > 0) s.REAL_IP_FROM = trust.realIpFrom.join(',');
  if (trust.realIpHeader) s.REAL_IP_HEADER = trust.realIpHeader;
  const rua = localPartIn(config.dns.dmarc.rua, config.domain);
  const ruf = localPartIn(config.dns.dmarc.ruf, config.domain);
  if (rua) s.DMARC_RUA = rua;
  if (ruf) s.DMARC_RUF = ruf;
  for (const comp of components.values()) {
    if (comp.addressEnv && comp.address) s[comp.addressEnv] = comp.address;
  }
  if (config.redis.mode === 'external') {
    s.REDIS_ADDRESS = config.redis.port === 6379 ? uriHost(config.redis.host) : hostPort(config.redis.host, config.redis.port);
  }
  if (config.secrets.initialAdmin) {
    s.INITIAL_ADMIN_ACCOUNT = config.secrets.initialAdmin.username;
    s.INITIAL_ADMIN_DOMAIN = config.domain;
    s.INITIAL_ADMIN_MODE = config.secrets.initialAdmin.mode;
  }
  if (config.egress.mode === 'relay') {
    s.RELAYHOST = `[${config.egress.host}]:${config.egress.port}`;
  }
  const tlsLevel = outboundTlsLevel(config);
  if (tlsLevel) s.OUTBOUND_TLS_LEVEL = tlsLevel;
  // The typed Mailu settings (welcome mail, quota, TLS, sessions, …), where set.
  Object.assign(s, typedSettingsEnv(config));

  const per: Partial<Record<ComponentName, EnvVar[]>> = {};
  const add = (n: ComponentName, v: EnvVar) => {
    if (has(n)) (per[n] ??= []).push(v);
  };
  const secretKey = secretKeyRef(config);
  for (const n of MAILU_IMAGES) if (n !== 'oletools') add(n, { name: 'SECRET_KEY', secret: secretKey });

  // Database: admin always; webmail (Roundcube) when it shares the server.
  const db = config.database;
  if (db.type === 'sqlite') {
    s.DB_FLAVOR = 'sqlite';
  } else {
    const host = db.type === 'cnpg' ? `${config.instance}-db-rw.${config.namespace}.svc.${config.cluster.clusterDomain}` : db.host;
    const port = db.type === 'cnpg' ? 5432 : (db.port ?? (db.type === 'mysql' ? 3306 : 5432));
    const flavor = db.type === 'mysql' ? 'mysql' : 'postgresql';
    const secret = db.type === 'cnpg' ? { name: `${config.instance}-db-app`, usernameKey: 'username', passwordKey: 'password' } : db.secret;
    s.DB_FLAVOR = flavor;
    s.DB_HOST = hostPort(host, port);
    s.DB_NAME = db.type === 'cnpg' ? 'mailu' : db.name;
    add('admin', { name: 'DB_USER', secret: { name: secret.name, key: secret.usernameKey } });
    add('admin', { name: 'DB_PW', secret: { name: secret.name, key: secret.passwordKey } });
    // Roundcube: its own database when given, the CNPG cluster's app database otherwise.
    const rc = db.type === 'cnpg'
      ? { name: 'mailu', secret }
      : db.roundcube;
    if (c.webmail === 'roundcube' && rc) {
      add('webmail', { name: 'ROUNDCUBE_DB_FLAVOR', value: flavor });
      add('webmail', { name: 'ROUNDCUBE_DB_HOST', value: hostPort(host, port) });
      add('webmail', { name: 'ROUNDCUBE_DB_NAME', value: rc.name });
      add('webmail', { name: 'ROUNDCUBE_DB_USER', secret: { name: rc.secret.name, key: rc.secret.usernameKey } });
      add('webmail', { name: 'ROUNDCUBE_DB_PW', secret: { name: rc.secret.name, key: rc.secret.passwordKey } });
    }
  }
  if (config.secrets.initialAdmin) {
    add('admin', { name: 'INITIAL_ADMIN_PW', secret: { name: config.secrets.initialAdmin.secret.name, key: config.secrets.initialAdmin.secret.key } });
  }
  if (config.secrets.apiToken) add('admin', { name: 'API_TOKEN', secret: config.secrets.apiToken });
  // A token for the DNS operator alone: the API on in admin only (front keeps API=false, so no
  // public /api route); these override the shared ConfigMap's API=false in admin's container.
  const operatorToken = adminOnlyApiToken(config);
  if (operatorToken) {
    add('admin', { name: 'API', value: 'true' });
    add('admin', { name: 'API_TOKEN', secret: operatorToken });
  }
  if (config.egress.mode === 'relay' && config.egress.secret) {
    add('smtp', { name: 'RELAYUSER', secret: { name: config.egress.secret.name, key: config.egress.secret.usernameKey } });
    add('smtp', { name: 'RELAYPASSWORD', secret: { name: config.egress.secret.name, key: config.egress.secret.passwordKey } });
  }

  // Redis authentication: per container, after the shared REDIS_ADDRESS it builds on.
  for (const [n, vars] of Object.entries(redisAuthEnv(config, s.REDIS_ADDRESS))) for (const v of vars) add(n as ComponentName, v);

  // User extras last: only tunables pass the policy (env-policy.ts, checked before this runs).
  Object.assign(s, config.mailu.env);
  const shared = Object.fromEntries(Object.entries(s).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { shared, perComponent: per };
}
