// Larger configs for the benchmark: examples/full.yaml with the lists users grow, multiplied by
// `factor` (hostnames, trusted and exempt CIDRs, node labels, mailu.env entries and their values).
// mailu.env accepts only Mailu's tunables, so past that list its values grow instead.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const TUNABLES = [
  'SITENAME', 'WEBSITE', 'LOGO_BACKGROUND', 'WELCOME_SUBJECT', 'WELCOME_BODY', 'DEFAULT_QUOTA',
  'DEFAULT_SPAM_THRESHOLD', 'WILDCARD_SENDERS', 'SESSION_TIMEOUT', 'PERMANENT_SESSION_LIFETIME',
];

const cidr = (i) => `10.${100 + Math.floor(i / 256)}.${i % 256}.0/24`;

/** examples/full.yaml scaled by `factor` (1 = the file as it is), as YAML text. */
export function scaledConfig(factor) {
  const text = readFileSync(new URL('../examples/full.yaml', import.meta.url), 'utf8');
  if (factor === 1) return text;
  const c = parse(text);
  const n = (base) => Array.from({ length: base * factor }, (_, i) => i);
  c.hostnames = [...c.hostnames, ...n(2).map((i) => `mail${i}.example.com`)];
  c.exposure.traefik.trustedProxyCidrs = [...c.exposure.traefik.trustedProxyCidrs, ...n(2).map(cidr)];
  c.mailu.rateLimits.exemption = n(4).map((i) => cidr(i + 10_000));
  c.mailu.rateLimits.messageExemption = n(4).map((i) => `sender${i}@example.com`);
  c.egress.nodeSelector = Object.fromEntries([...Object.entries(c.egress.nodeSelector), ...n(2).map((i) => [`example.com/label-${i}`, 'yes'])]);
  for (const [i, name] of TUNABLES.entries()) c.mailu.env[name] = name === 'WILDCARD_SENDERS' ? n(4).map((j) => `u${j}@example.com`).join(',') : `${1000 + i}`;
  c.mailu.env.WELCOME_BODY = `Welcome. ${'Read the guide at https://example.com/guide. '.repeat(factor)}`;
  return stringify(c);
}
