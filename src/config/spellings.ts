// Field types that accept what people naturally write (a YAML number for a version, `true` for an
// environment value, `mailto:` before a report address, a Service's short name) and turn it into
// the one form the rest of the project uses; anything else is refused with the spelling to use.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { closest } from './suggest.js';

/** A custom issue from a transform: the value is refused with `message`. */
function refuse(ctx: z.core.$RefinementCtx, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER as never;
}

/**
 * A mailu.env value. Mailu reads strings, but YAML turns `WELCOME: true` and
 * `DEFAULT_QUOTA: 1000000000` into a boolean and a number: both are written back as text (from a
 * YAML file, exactly as typed: `1.10` stays "1.10").
 */
export const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'must be text, a number or true/false (write "" for an empty value)' })
  .transform((v) => String(v));

/**
 * Traefik's minor[.patch] within its major version ("5" or "5.2" for 3.5.2). A number is accepted
 * (7 → "7", 5.2 → "5.2"); from YAML the digits are kept as typed, so 5.10 stays "5.10". In
 * TypeScript, 5.10 is the number 5.1: quote it.
 */
export const traefikMinorVersion = z
  .union([z.string(), z.number()], { error: 'expected "minor" or "minor.patch", e.g. "5.2"' })
  .transform((v, ctx) => {
    const s = String(v).trim();
    if (/^\d+(\.\d+)?$/.test(s)) return s;
    return refuse(ctx, v, `${JSON.stringify(v)} is not "minor" or "minor.patch", e.g. "5.2" for Traefik 3.5.2 (the major goes in exposure.traefik.version)`);
  });

/** A TCP port, also when YAML quoting made it text ("587"). */
export const portNumber = z
  .union([z.number(), z.string()], { error: 'expected a port number from 1 to 65535' })
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
    return refuse(ctx, v, `${JSON.stringify(v)} is not a port number from 1 to 65535`);
  });

// ---------------------------------------------------------------- hosts

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
/** One or more DNS labels: a Service's short name (`postgres-rw`), `name.namespace`, or a full name. */
const SERVICE_HOST_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`);

/**
 * Why a host field holds more than a host (a URL, a port, postfix's brackets), or undefined.
 * `portField` is where the port belongs.
 */
function hostShapeProblem(value: string, portField: string): string | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?/i.exec(value);
  if (url) return `${JSON.stringify(value)} is a URL; write only the host ("${url[1]!.replace(/^\[|\]$/g, '')}")${url[2] ? ` and put the port in ${portField}` : ''}`;
  const hostPort = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  if (hostPort && !ipaddr.IPv6.isValid(value)) {
    return `${JSON.stringify(value)}: put the port in ${portField} (${portField.split('.').pop()}: ${hostPort[2]}) and write only the host ("${hostPort[1]}")${value.startsWith('[') ? '; the brackets are not needed' : ''}`;
  }
  if (/^\[.*\]$/.test(value)) return `${JSON.stringify(value)}: write the host without brackets ("${value.slice(1, -1)}")`;
  return undefined;
}

/**
 * A database or Redis host: a Service name as pods resolve it (`postgres-rw`,
 * `postgres-rw.databases`, `postgres-rw.databases.svc`; Mailu's pods search their namespace and
 * svc.<cluster domain>), a DNS name, or an IP address.
 */
export function serviceHost(portField: string) {
  return z.string().transform((v, ctx) => {
    const s = v.trim().toLowerCase().replace(/\.$/, '');
    if (ipaddr.isValid(s)) return s;
    const shape = hostShapeProblem(s, portField);
    if (shape) return refuse(ctx, v, shape);
    if (SERVICE_HOST_RE.test(s)) return s;
    return refuse(
      ctx,
      v,
      `${JSON.stringify(v)} is not a host: write a Service name (e.g. postgres-rw, or postgres-rw.databases from another namespace), a DNS name or an IP address (letters, digits and hyphens)`,
    );
  });
}

/** Refuses URLs, host:port and bracketed forms in a host field before its own rule applies. */
export function bareHost(portField: string) {
  return z.string().transform((v, ctx) => {
    const shape = hostShapeProblem(v.trim(), portField);
    return shape ? refuse(ctx, v, shape) : v;
  });
}

// ---------------------------------------------------------------- Traefik version

export interface TraefikVersion {
  major: 2 | 3;
  /** Minor[.patch] written after the major ("v3.5.2" → "5.2"). */
  minor?: string;
}

/** 3, "3", "v3", "v3.5", 3.5 (YAML keeps "3.10" as typed) → major and minor. */
export const traefikVersion = z
  .union([z.string(), z.number()], { error: 'expected a Traefik version: 3 or 2' })
  .transform((v, ctx): TraefikVersion => {
    const m = /^v?(\d+)(?:\.(\d+(?:\.\d+)?))?$/i.exec(String(v).trim());
    if (!m) return refuse(ctx, v, `${JSON.stringify(v)} is not a Traefik version: write 3 or 2 (a minor may follow: "3.5", "v3.5.2")`);
    const major = Number(m[1]);
    if (major === 2 || major === 3) return m[2] ? { major, minor: m[2] } : { major };
    if (major === 1) return refuse(ctx, v, 'Traefik 1 is not supported (its routing resources differ): use Traefik 2.10+ or 3');
    return refuse(ctx, v, `Traefik ${major} is not known to mailu-k8s: write 3 or 2`);
  });

/**
 * Resolves `version: "v3.5"` into version 3 and minorVersion "5" (unless minorVersion is set to
 * something else: then the minor belongs in minorVersion only).
 */
export function withTraefikVersion<S extends z.ZodType<{ version: TraefikVersion; minorVersion?: string | undefined }>>(block: S) {
  return block.transform((t, ctx) => {
    const { major, minor } = t.version;
    if (minor !== undefined && t.minorVersion !== undefined && minor !== t.minorVersion) {
      ctx.issues.push({
        code: 'custom',
        path: ['version'],
        input: t.version,
        message: `says minor ${minor} but minorVersion is "${t.minorVersion}": write the major here (${major}) and the minor only in minorVersion`,
      });
      return z.NEVER;
    }
    return { ...t, version: major, minorVersion: t.minorVersion ?? minor } as Omit<z.output<S>, 'version' | 'minorVersion'> & { version: 2 | 3; minorVersion?: string };
  });
}

// ---------------------------------------------------------------- DMARC report addresses

export interface ReportUri {
  address: string;
  /** RFC 7489 §6.2 size limit ("10m"), when the URI carried one. */
  sizeLimit?: string;
}

/**
 * A DMARC report address, as an address (dmarc@example.com) or as DMARC writes it
 * (mailto:dmarc@example.com, optionally with a size limit: mailto:dmarc@example.com!10m). One
 * address only: Mailu takes a single one (DMARC_RUA / DMARC_RUF).
 */
export const dmarcReportUri = z.string().transform((v, ctx): ReportUri => {
  const s = v.trim();
  if (s.includes(',')) return refuse(ctx, v, 'one report address only (Mailu takes a single one, DMARC_RUA/DMARC_RUF); keep the one at your own domain');
  const m = /^(?:mailto:)?([^!\s]+)(?:!(\d+[kmgt]?))?$/i.exec(s);
  if (!m || /^[a-z][a-z0-9+.-]*:/i.test(m[1]!) || !z.email().safeParse(m[1]).success) {
    return refuse(ctx, v, `${JSON.stringify(v)} is not a report address: write dmarc@example.com or mailto:dmarc@example.com (a size limit may follow: mailto:dmarc@example.com!10m)`);
  }
  return m[2] ? { address: m[1]!, sizeLimit: m[2].toLowerCase() } : { address: m[1]! };
});

/** dns.dmarc with rua/ruf as plain addresses and their size limits beside them (ruaSizeLimit, rufSizeLimit). */
export function withReportSizeLimits<T extends { rua?: ReportUri | undefined; ruf?: ReportUri | undefined }>(d: T) {
  const { rua, ruf, ...rest } = d;
  return {
    ...rest,
    ...(rua ? { rua: rua.address } : {}),
    ...(rua?.sizeLimit ? { ruaSizeLimit: rua.sizeLimit } : {}),
    ...(ruf ? { ruf: ruf.address } : {}),
    ...(ruf?.sizeLimit ? { rufSizeLimit: ruf.sizeLimit } : {}),
  } as Omit<T, 'rua' | 'ruf'> & { rua?: string; ruaSizeLimit?: string; ruf?: string; rufSizeLimit?: string };
}

// ---------------------------------------------------------------- time zones

/** Canonical tz database names this runtime knows, plus the UTC spellings Mailu's default uses. */
const ZONES: readonly string[] = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC'];
const ZONE_SET = new Set(ZONES);

/** A tz alias (US/Eastern, Asia/Kolkata on an older ICU) the runtime resolves, with the database's capitals. */
function knownAlias(name: string): boolean {
  if (!name.split('/').every((seg) => /^[A-Z]/.test(seg))) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** "Berlin" → Europe/Berlin, "europe/berlin" → Europe/Berlin, "Europe/Berln" → Europe/Berlin. */
function zoneHint(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/ /g, '_');
  const exact = ZONES.find((z) => z.toLowerCase() === lower);
  if (exact) return exact;
  const byCity = (city: string) => ZONES.filter((z) => z.toLowerCase().endsWith(`/${city.toLowerCase()}`));
  const sameCity = byCity(lower);
  if (sameCity.length === 1) return sameCity[0];
  const whole = closest(name, ZONES);
  if (whole) return whole;
  const city = closest(lower, ZONES.map((z) => z.split('/').pop()!));
  const near = city ? byCity(city) : [];
  return near.length === 1 ? near[0] : undefined;
}

/** TZ for every Mailu container: a tz database name such as Europe/Berlin or Etc/UTC. */
export const timezone = z.string().superRefine((s, ctx) => {
  if (ZONE_SET.has(s) || knownAlias(s)) return;
  const hint = zoneHint(s);
  ctx.addIssue({ code: 'custom', message: `"${s}" is not a tz database time zone${hint ? `; did you mean ${hint}?` : ' (e.g. Europe/Berlin, America/New_York, Etc/UTC)'}` });
});
