// Field types that accept what people naturally write (a YAML number for a version, `true` for an
// environment value, `mailto:` before a report address, a Service's short name) and turn it into
// the one form the rest of the project uses; anything else is refused with the spelling to use.
import { z } from 'zod';

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
