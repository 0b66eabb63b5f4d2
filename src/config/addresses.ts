// Address syntax beyond "does it parse": a CIDR with host bits set (10.42.0.1/16) is a typo for
// its network (or a host written where a range belongs) and is refused with the canonical form;
// an IP literal is not a mail hostname.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export type Family = 'ipv4' | 'ipv6' | 'any';

/** Why `s` is not a canonical CIDR of `family`, or undefined when it is one. */
export function cidrProblem(s: string, family: Family): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    [ip, len] = ipaddr.parseCIDR(s);
  } catch {
    return `"${s}" is not a CIDR (e.g. 10.42.0.0/16)`;
  }
  if (family !== 'any' && ip.kind() !== family) return `"${s}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} CIDR`;
  if (ip.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(s.split('/')[0]!)) {
    return `"${s}": write the address as four decimal numbers (e.g. 10.42.0.0/16)`;
  }
  const net = ip.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(s) : ipaddr.IPv6.networkAddressFromCIDR(s);
  if (net.toString() !== ip.toString()) return `"${s}" has host bits set; did you mean ${net.toString()}/${len}?`;
  return undefined;
}

function ipProblem(s: string): string | undefined {
  if (!ipaddr.isValid(s)) return 'not an IP address';
  if (ipaddr.IPv4.isValid(s) && !ipaddr.IPv4.isValidFourPartDecimal(s)) return `"${s}": write the address as four decimal numbers`;
  return undefined;
}

/** An address or a CIDR (SPF ip4:/ip6: terms take both). */
export const ipOrCidr = z.string().superRefine((s, ctx) => {
  const problem = s.includes('/') ? cidrProblem(s, 'any') : ipProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Refuses an IP literal where a DNS name is needed (MX target, HELO name, mail domain). */
export function notAnAddress(what: string) {
  return (s: string, ctx: z.core.$RefinementCtx<string>) => {
    if (ipaddr.IPv4.isValid(s)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${s}" is an IP address, not a DNS name; ${what} must be a name (MX records and HELO greetings name hosts), e.g. mail.example.com with an A record pointing at ${s}`,
      });
    } else if (/\.\d+$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a DNS name: its last label is all digits, which no top-level domain is` });
    }
  };
}
