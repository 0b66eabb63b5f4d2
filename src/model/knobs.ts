// The production knobs, decided: the typed Mailu settings as Mailu's environment, Redis
// authentication per container, and the rules that combine these fields with the rest of the
// config (a setting for a component that does not run, the relay's TLS floor, claims that would
// clash). Per-field syntax is in src/config/knobs.ts and src/config/overrides.ts.
import { HELM_CHART_COMPONENTS } from '../config/helm-chart-claims.js';
import { DATA_COMPONENTS, type DataComponent, ENCRYPTING_TLS_LEVELS } from '../config/knobs.js';
import { quantityToBytes } from '../config/quantity.js';
import { userConfigMap } from '../config/overrides.js';
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { enabledComponents } from './components.js';
import { mtaStsPolicies } from './exposure.js';
import type { CheckResult } from './invariants.js';

/** The typed Mailu settings as environment (only those set: Mailu's defaults stay Mailu's). */
export function typedSettingsEnv(config: MailuConfig): Record<string, string> {
  const m = config.mailu;
  const out: Record<string, string> = {};
  if (m.welcome) {
    out.WELCOME = m.welcome.enabled ? 'true' : 'false';
    if (m.welcome.subject !== undefined) out.WELCOME_SUBJECT = m.welcome.subject;
    if (m.welcome.body !== undefined) out.WELCOME_BODY = m.welcome.body;
  }
  if (m.defaultQuota !== undefined) out.DEFAULT_QUOTA = String(quantityToBytes(m.defaultQuota));
  if (m.tls.inbound !== undefined) out.INBOUND_TLS_ENFORCE = m.tls.inbound === 'encrypt' ? 'true' : 'false';
  if (m.antivirusAction !== undefined) out.ANTIVIRUS_ACTION = m.antivirusAction;
  if (m.sessionTimeout !== undefined) out.SESSION_TIMEOUT = String(m.sessionTimeout);
  if (m.sessionLifetime !== undefined) out.PERMANENT_SESSION_LIFETIME = String(m.sessionLifetime);
  if (m.credentialRounds !== undefined) out.CREDENTIAL_ROUNDS = String(m.credentialRounds);
  const plugins = config.webmail.roundcubePlugins;
  if (plugins && config.components.webmail === 'roundcube') out.ROUNDCUBE_PLUGINS = plugins.join(',');
  if (config.components.fetchmail) out.FETCHMAIL_DELAY = String(config.fetchmail.delaySeconds ?? 600);
  return out;
}

/** OUTBOUND_TLS_LEVEL, when set: the user's level, or `encrypt` when relay credentials need TLS. */
export function outboundTlsLevel(config: MailuConfig): string | undefined {
  // Mailu's default (dane) is opportunistic without TLSA records: a stripped STARTTLS would send
  // the relay password in clear. Credentials therefore require TLS.
  const floor = config.egress.mode === 'relay' && config.egress.secret ? 'encrypt' : undefined;
  return config.mailu.tls.outbound ?? floor;
}

// ---------------------------------------------------------------- Redis authentication

/** Holds the Redis password in admin's container, for the $(…) reference in its REDIS_ADDRESS. */
export const REDIS_PASSWORD_VAR = 'MAILU_K8S_REDIS_PASSWORD';
/** rspamd passes RSPAMD_<name> variables to its config templates as env.<name>. */
export const RSPAMD_REDIS_PASSWORD_VAR = 'RSPAMD_redis_password';
/** redis-cli reads the password from REDISCLI_AUTH (probes and backup hooks run redis-cli). */
export const REDISCLI_AUTH_VAR = 'REDISCLI_AUTH';

type SecretVar = { name: string; secret: { name: string; key: string } };
type PlainVar = { name: string; value: string };

/**
 * Per-container variables for Redis authentication. Mailu 2024.06 has no password setting: admin
 * builds redis://REDIS_ADDRESS/<db> URLs, so its REDIS_ADDRESS carries the password as URL user
 * info (`:password@host`), expanded by the kubelet from the Secret; rspamd reads it through its
 * own config templates (an override.d file, see chart/redis-auth.ts). The password therefore has to
 * be URL- and UCL-safe: letters, digits, "-", ".", "_", "~" (e.g. `openssl rand -hex 32`).
 */
export function redisAuthEnv(config: MailuConfig, sharedRedisAddress: string | undefined): Partial<Record<ComponentName, (SecretVar | PlainVar)[]>> {
  const auth = config.redis.auth;
  if (!auth || sharedRedisAddress === undefined) return {};
  const secret = { name: auth.name, key: auth.key };
  const out: Partial<Record<ComponentName, (SecretVar | PlainVar)[]>> = {
    admin: [
      { name: REDIS_PASSWORD_VAR, secret },
      { name: 'REDIS_ADDRESS', value: `:$(${REDIS_PASSWORD_VAR})@${sharedRedisAddress}` },
    ],
    antispam: [{ name: RSPAMD_REDIS_PASSWORD_VAR, secret }],
  };
  if (config.redis.mode === 'bundled') out.redis = [{ name: REDISCLI_AUTH_VAR, secret }];
  return out;
}

// ---------------------------------------------------------------- cross-field checks

const OVERRIDE_COMPONENT = { postfix: 'smtp', dovecot: 'imap', rspamd: 'antispam', nginx: 'front', roundcube: 'webmail' } as const;

function overrideChecks(config: MailuConfig, err: (path: string, message: string) => void): void {
  const o = config.overrides;
  if (o.roundcube && config.components.webmail !== 'roundcube') {
    err('overrides.roundcube', `only Roundcube reads these files, and components.webmail is "${config.components.webmail}"`);
  }
  // front's /overrides also carries the MTA-STS policy mailu-k8s writes (dns.mtaSts).
  if (o.nginx && mtaStsPolicies(config).length > 0 && 'mta-sts.conf' in o.nginx && !userConfigMap(o.nginx)) {
    err('overrides.nginx.mta-sts.conf', 'is the file mailu-k8s writes for the MTA-STS policies (dns.mtaSts.enabled or a domain\'s mtaSts.enabled); choose another name');
  }
}

/** Components with the Helm chart's claim in helmChart mode. */
function helmChartClaimed(config: MailuConfig): Set<string> {
  const h = config.storage.mode === 'helmChart' ? config.storage.helmChart : undefined;
  if (!h) return new Set();
  return new Set(h.claimName !== undefined ? Object.keys(HELM_CHART_COMPONENTS) : Object.keys(h.claims ?? {}).filter((c) => h.claims?.[c as keyof typeof h.claims]));
}

function storageChecks(config: MailuConfig, err: (path: string, message: string) => void): void {
  const s = config.storage;
  const running = new Set<string>(enabledComponents(config));
  const chart = helmChartClaimed(config);
  const existing = Object.entries(s.existingClaims) as [DataComponent, string][];
  const sharedClaim = s.mode === 'shared' ? (s.sharedClaimName ?? `${config.instance}-shared-data`) : undefined;
  // The claims mailu-k8s creates: a component's own, unless it has an existing or a chart claim.
  const created = new Map<string, string>(
    DATA_COMPONENTS.filter((c) => running.has(c) && !s.existingClaims[c] && !chart.has(c) && s.mode !== 'shared').map((c) => [`${config.instance}-${c}-data`, c]),
  );
  const seen = new Map<string, string>();
  for (const [c, claim] of existing) {
    const path = `storage.existingClaims.${c}`;
    if (!running.has(c)) err(path, `${c} does not run in this config, so it has no data to keep`);
    else if (chart.has(c)) err(path, `storage.mode helmChart already mounts the Helm chart's claim for ${c} (storage.helmChart); give it there`);
    else if (claim === sharedClaim) err(path, `${claim} is the shared claim (storage.mode shared) the other components use; ${c} needs a claim of its own`);
    else if (created.has(claim)) err(path, `${claim} is the claim mailu-k8s creates for ${created.get(claim)}`);
    else if (seen.has(claim)) err(path, `${claim} is already ${seen.get(claim)}'s claim: two components on one claim would write into the same folders`);
    seen.set(claim, c);
  }
  for (const c of Object.keys(s.classes) as DataComponent[]) {
    const path = `storage.classes.${c}`;
    if (!running.has(c)) err(path, `${c} does not run in this config`);
    else if (s.existingClaims[c]) err(path, `${c} uses an existing claim (storage.existingClaims.${c}); mailu-k8s creates none for it to give a class`);
    else if (chart.has(c)) err(path, `${c} uses the Helm chart's claim (storage.mode helmChart); mailu-k8s creates none for it to give a class`);
    else if (s.mode === 'shared') err(path, `storage.mode shared keeps ${c} on the one shared claim; its class is storage.storageClass`);
  }
}

function settingChecks(config: MailuConfig, err: (path: string, message: string) => void): void {
  const m = config.mailu;
  if (m.antivirusAction !== undefined && !config.components.antivirus) err('mailu.antivirusAction', 'no antivirus runs (components.antivirus is false)');
  if (config.webmail.roundcubePlugins && config.components.webmail !== 'roundcube') {
    err('webmail.roundcubePlugins', `only Roundcube has plugins, and components.webmail is "${config.components.webmail}"`);
  }
  if (config.fetchmail.delaySeconds !== undefined && !config.components.fetchmail) err('fetchmail.delaySeconds', 'fetchmail does not run (components.fetchmail is false)');
  const relayCredentials = config.egress.mode === 'relay' && config.egress.secret !== undefined;
  if (relayCredentials && m.tls.outbound !== undefined && !ENCRYPTING_TLS_LEVELS.includes(m.tls.outbound)) {
    err('mailu.tls.outbound', `"${m.tls.outbound}" may fall back to plain text, and the relay credentials (egress.secret) must never travel in clear; use encrypt (or ${ENCRYPTING_TLS_LEVELS.slice(1).join(', ')})`);
  }
  if (m.sessionTimeout !== undefined && m.sessionLifetime !== undefined && m.sessionLifetime < m.sessionTimeout) {
    err('mailu.sessionLifetime', `is shorter than mailu.sessionTimeout: a "remember me" session would end before an ordinary one`);
  }
}

function metricsWarnings(config: MailuConfig): string[] {
  const mt = config.metrics;
  if (!mt.enabled || Object.keys(mt.podLabels).length > 0) return [];
  return [
    `metrics.podLabels is empty: every pod in namespace ${mt.namespace} may reach rspamd's controller port 11334, and rspamd trusts every pod address (Mailu sets its secure_ip to SUBNET) with its privileged commands; set metrics.podLabels to the labels of Prometheus's pods`,
  ];
}

/** Checks of the production knobs; appended to checkConfig's result. */
export function knobChecks(config: MailuConfig): CheckResult {
  const out: CheckResult = { errors: [], warnings: [] };
  const err = (path: string, message: string) => out.errors.push({ path, message });
  overrideChecks(config, err);
  storageChecks(config, err);
  settingChecks(config, err);
  out.warnings.push(...metricsWarnings(config));
  return out;
}

export { OVERRIDE_COMPONENT };
