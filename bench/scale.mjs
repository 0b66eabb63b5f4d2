// Larger configs for the benchmark: examples/full.yaml with the lists users grow, multiplied by
// `factor` (hostnames, trusted and exempt CIDRs, node labels, mailu.env entries and their values).
// mailu.env accepts only Mailu's tunables, so past that list its values grow instead.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** The mailu.env tunables without a value check (from the env policy's source: no build needed). */
function tunables() {
  const source = readFileSync(new URL('../src/model/env-policy.ts', import.meta.url), 'utf8');
  const names = [...source.matchAll(/^  ([A-Z][A-Z0-9_]*): \{ what: '[^']*' \},$/gm)].map((m) => m[1]);
  return names.length > 0 ? names : ['SITENAME'];
}

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
  c.mailu.env ??= {};
  for (const name of tunables().slice(0, 2 * factor)) c.mailu.env[name] = `value ${'x'.repeat(factor)}`;
  c.mailu.env.WILDCARD_SENDERS = n(4).map((j) => `u${j}@example.com`).join(',');
  return stringify(c, { lineWidth: 0 });
}
