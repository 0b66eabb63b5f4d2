// Production knobs: typed fields for the Mailu settings operators tune most (instead of raw
// mailu.env), data reuse and per-component storage classes, Redis authentication and opt-in
// Prometheus scraping. Per-field rules only; rules that combine fields (a setting for a component
// that does not run, relay credentials and the outbound TLS floor, claims and storage modes) are
// in src/model/knobs.ts.
import { z } from 'zod';
import { parseSize, type SizeKind } from './quantity.js';

const Mi = 1024 ** 2;
const SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]{1,253}$/;

/** The components that keep data on a volume (the keys of storage.sizes). */
export const DATA_COMPONENTS = ['admin', 'imap', 'smtp', 'antispam', 'antivirus', 'webmail', 'webdav', 'fetchmail', 'redis'] as const;
export type DataComponent = (typeof DATA_COMPONENTS)[number];

const labelMap = z.record(
  z.string().regex(LABEL_KEY_RE, { message: 'not a valid label key' }),
  z.string().regex(LABEL_VALUE_RE, { message: 'not a valid label value' }),
);
/** Annotation keys have the syntax of label keys; values are free text. */
const annotationMap = z.record(z.string().regex(LABEL_KEY_RE, { message: 'not a valid annotation key' }), z.string());

// ---------------------------------------------------------------- durations and sizes

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A duration: "90s", "30m", "12h", "30d" (or a whole number of seconds), within [min, max]
 * seconds; written out as seconds, which is what Mailu reads.
 */
export function duration(min: number, max: number) {
  const show = (s: number) => (s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);
  return z.union([z.string(), z.number()], { error: 'expected a duration such as "12h" or "30d"' }).transform((v, ctx) => {
    const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(String(v));
    if (!m) {
      ctx.issues.push({ code: 'custom', input: v, message: `${JSON.stringify(v)} is not a duration; write e.g. "12h" or "30d" (units s, m, h, d)` });
      return z.NEVER;
    }
    const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
    if (seconds < min || seconds > max) {
      ctx.issues.push({ code: 'custom', input: v, message: `${JSON.stringify(v)} must be between ${show(min)} and ${show(max)}` });
      return z.NEVER;
    }
    return seconds;
  });
}

const QUOTA: SizeKind = { what: 'a mailbox quota', min: Mi, max: 64 * 1024 ** 4, bareUnit: 'Gi' };
/** A mailbox quota: a size with a unit, as for volumes ("1G", "5Gi"), 1Mi..64Ti. */
export const quotaSize = z.union([z.string(), z.number()], { error: 'expected a size such as "1G" or "5Gi"' }).transform((v, ctx) => {
  const r = parseSize(v, QUOTA);
  if ('value' in r) return r.value;
  ctx.issues.push({ code: 'custom', input: v, message: r.error });
  return z.NEVER;
});

// ---------------------------------------------------------------- typed Mailu settings

/** One line of text for a header (Mailu puts WELCOME_SUBJECT into the Subject). */
const headerText = z.string().min(1).max(200).refine((s) => !/[\r\n]/.test(s), { message: 'must be one line (it becomes the Subject header)' });

export const welcomeSection = z
  .strictObject({
    /** Send a welcome mail to every new user (WELCOME). */
    enabled: z.boolean().default(false),
    subject: headerText.optional(),
    body: z.string().min(1).max(10000).optional(),
  })
  .superRefine((w, ctx) => {
    // Mailu's own defaults are placeholders ("Dummy welcome topic", "Dummy welcome body").
    if (w.enabled && w.subject === undefined) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'is required with enabled: true (Mailu\'s default subject is "Dummy welcome topic")' });
    if (w.enabled && w.body === undefined) ctx.addIssue({ code: 'custom', path: ['body'], message: 'is required with enabled: true (Mailu\'s default body is "Dummy welcome body")' });
  });

/** postfix's smtp_tls_security_level values Mailu passes on (OUTBOUND_TLS_LEVEL); `none` is refused. */
export const OUTBOUND_TLS_LEVELS = ['may', 'dane', 'encrypt', 'dane-only', 'verify', 'secure'] as const;
/** The levels that never send in clear: what relay credentials require. */
export const ENCRYPTING_TLS_LEVELS: readonly string[] = ['encrypt', 'dane-only', 'verify', 'secure'];

export const mailTlsSection = z.strictObject({
  /** Inbound mail on port 25: `may` (Mailu's default) or `encrypt` (INBOUND_TLS_ENFORCE: STARTTLS required). */
  inbound: z.enum(['may', 'encrypt']).optional(),
  /** Outbound delivery (OUTBOUND_TLS_LEVEL); default Mailu's `dane`, or `encrypt` with relay credentials. */
  outbound: z
    .string()
    .superRefine((v, ctx) => {
      if (v === 'none') ctx.addIssue({ code: 'custom', message: '"none" sends all outbound mail in clear text; use "may" (opportunistic) at the least' });
      else if (!(OUTBOUND_TLS_LEVELS as readonly string[]).includes(v)) ctx.addIssue({ code: 'custom', message: `not a TLS level; one of ${OUTBOUND_TLS_LEVELS.join(', ')}` });
    })
    .optional(),
});

/** Roundcube plugin directory names (Mailu silently drops any that is not installed). */
const pluginName = z.string().regex(/^[a-z0-9_]{1,64}$/, { message: 'not a Roundcube plugin name (lower-case letters, digits, "_")' });

export const webmailSection = z.strictObject({
  /** ROUNDCUBE_PLUGINS: replaces Mailu's default list; Mailu always adds its own `mailu` plugin. */
  roundcubePlugins: z
    .array(pluginName)
    .min(1)
    .superRefine((list, ctx) => {
      const dup = list.filter((p, i) => list.indexOf(p) !== i);
      if (dup.length > 0) ctx.addIssue({ code: 'custom', message: `lists ${[...new Set(dup)].join(', ')} more than once` });
    })
    .optional(),
});

export const fetchmailSection = z.strictObject({
  /** Seconds between fetchmail runs (FETCHMAIL_DELAY); 600 when left out. */
  delaySeconds: z.number().int().min(60).max(86400).optional(),
});

// ---------------------------------------------------------------- storage extras

const claimName = z.string().regex(SUBDOMAIN_RE, { message: 'not a valid claim name (lower-case letters, digits, "-" and ".")' });
const className = z.string().regex(SUBDOMAIN_RE, { message: 'not a valid StorageClass name (lower-case DNS subdomain)' });

export const existingClaims = z.partialRecord(z.enum(DATA_COMPONENTS), claimName);
export const storageClasses = z.partialRecord(z.enum(DATA_COMPONENTS), className);
/** Set on every claim by mailu-k8s (chart/api.ts) so Argo CD and Flux never prune or delete one. */
const KEEP_DATA_KEYS = ['argocd.argoproj.io/sync-options', 'kustomize.toolkit.fluxcd.io/prune'];
export const claimAnnotations = annotationMap.superRefine((a, ctx) => {
  for (const key of Object.keys(a).filter((k) => KEEP_DATA_KEYS.includes(k))) {
    ctx.addIssue({ code: 'custom', path: [key], message: 'is set by mailu-k8s on every claim, so Argo CD and Flux never prune or delete one with your mail' });
  }
});

// ---------------------------------------------------------------- Redis authentication

/**
 * The Redis password, from a Secret of yours: the bundled Redis requires it (requirepass), and
 * admin and rspamd authenticate with it, bundled or external.
 */
export const redisAuth = z.strictObject({
  name: z.string().regex(DNS_LABEL_RE, { message: 'not a valid Secret name (lower-case DNS label, max 63 chars)' }),
  key: z.string().regex(SECRET_KEY_RE, { message: 'not a valid Secret key (letters, digits, "-", "_", ".")' }).default('password'),
});

// ---------------------------------------------------------------- metrics

export const metricsSection = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** prometheus-operator's ServiceMonitor (via the Services) or PodMonitor (straight to the pods). */
    kind: z.enum(['serviceMonitor', 'podMonitor']).default('serviceMonitor'),
    /** Where Prometheus runs: the NetworkPolicies admit it to exactly the metrics ports. */
    namespace: z.string().regex(DNS_LABEL_RE, { message: 'not a valid namespace (lower-case DNS label, max 63 chars)' }).default('monitoring'),
    /** Labels of Prometheus's pods there, to admit only them (recommended). */
    podLabels: labelMap.default({}),
    /** Labels on the ServiceMonitor/PodMonitor objects, for Prometheus's selector (e.g. release: kube-prometheus-stack). */
    labels: labelMap.default({}),
    /** Scrape interval; Prometheus's own default when left out. */
    interval: z.string().regex(/^([0-9]+(ms|s|m|h))+$/, { message: 'not a Prometheus duration such as "30s" or "1m"' }).optional(),
  });
