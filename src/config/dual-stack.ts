// Dual-stack cluster ranges as k3s and kubeadm take them: `--cluster-cidr 10.42.0.0/16,2001:db8:42::/56`
// is one flag holding both families. Users copy that value, so cluster.podCidr and
// cluster.serviceCidr accept the comma-joined pair and it is split into the IPv4 key and its
// IPv6 twin (podCidr6, serviceCidr6); each half must still be a canonical range of its family.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { cidrProblem } from './addresses.js';

/** One cluster range field after reading: its IPv4 range and, from a pair, the IPv6 one. */
export interface CidrPair {
  v4: string;
  v6?: string;
}

function refuse(ctx: z.core.$RefinementCtx, input: unknown, message: string): never {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER as never;
}

/**
 * `cluster.<key>`: an IPv4 range, or an IPv4 and an IPv6 range joined by a comma in either order
 * (k3s lists the primary family first). The IPv6 half comes back as `v6` for `<key>6`.
 */
export function dualStackCidr(key: string) {
  return z.string().transform((s, ctx): CidrPair => {
    const parts = s.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '')) return refuse(ctx, s, `"${s}" has an empty range; write "10.42.0.0/16" or a dual-stack pair "10.42.0.0/16,2001:db8:42::/56"`);
    if (parts.length > 2) return refuse(ctx, s, `"${s}" lists ${parts.length} ranges; give one IPv4 range, optionally with one IPv6 range after a comma`);
    const v4 = parts.filter((p) => !p.includes(':'));
    const v6 = parts.filter((p) => p.includes(':'));
    if (v4.length !== 1) {
      return refuse(
        ctx,
        s,
        v4.length === 0
          ? `"${s}" is not an IPv4 CIDR: cluster.${key} takes the IPv4 range (IPv6-only clusters are not supported); an IPv6 range goes after it ("10.42.0.0/16,${v6[0] ?? '2001:db8:42::/56'}") or in cluster.${key}6`
          : `"${s}" holds two IPv4 ranges; a dual-stack pair is one IPv4 and one IPv6 range`,
      );
    }
    const problem = cidrProblem(v4[0]!, 'ipv4') ?? (v6[0] !== undefined ? cidrProblem(v6[0], 'ipv6') : undefined);
    if (problem) return refuse(ctx, s, problem);
    return v6[0] !== undefined ? { v4: v4[0]!, v6: v6[0] } : { v4: v4[0]! };
  });
}

/**
 * The IPv6 range of `key`: written as `<key>6`, as the second half of `<key>`, or both when they
 * agree. Pushes an issue at `<key>6` when they differ.
 */
export function mergeIpv6Half(
  key: string,
  fromPair: string | undefined,
  explicit: string | undefined,
  ctx: z.core.$RefinementCtx,
): string | undefined {
  if (fromPair === undefined || explicit === undefined) return explicit ?? fromPair;
  if (sameRange(fromPair, explicit)) return explicit;
  ctx.issues.push({
    code: 'custom',
    input: explicit,
    path: [`${key}6`],
    message: `is ${explicit} but cluster.${key} gives ${fromPair} as its IPv6 half; write the IPv6 range once (in cluster.${key}6, or after the comma in cluster.${key})`,
  });
  return undefined;
}

function sameRange(a: string, b: string): boolean {
  const norm = (c: string) => {
    const [ip, len] = ipaddr.parseCIDR(c);
    return `${ip.toNormalizedString()}/${len}`;
  };
  return norm(a) === norm(b);
}

/**
 * A Cilium release as major.minor[.patch] ("1.18", "v1.18.2"). From YAML the digits stay as typed;
 * a number in TypeScript loses trailing zeros (1.20 is 1.2), so write it as text there.
 */
export const ciliumMinorVersion = z
  .union([z.string(), z.number()], { error: 'expected a Cilium version such as "1.18"' })
  .transform((v, ctx) => {
    const m = /^v?(1)\.(\d+)(?:\.\d+)?$/.exec(String(v).trim());
    if (!m) return refuse(ctx, v, `${JSON.stringify(v)} is not a Cilium version: write major.minor, e.g. "1.18" (quote it: 1.20 unquoted is 1.2 in TypeScript)`);
    return `${m[1]}.${Number(m[2])}`;
  });
