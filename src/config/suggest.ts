// "Did you mean" for unknown keys: Mailu's and its Helm chart's names for the same thing first
// (clamav → antivirus, subnet → cluster.podCidr), else the closest known key by edit distance.
// Every unknown-key message also lists the keys that are valid there.

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // Allow roughly one edit per three characters: catches typos, not unrelated words.
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Mailu's service names and the programs inside (the Helm chart's keys) → our component names. */
export const COMPONENT_ALIASES: Readonly<Record<string, string>> = {
  clamav: 'antivirus',
  clamd: 'antivirus',
  dovecot: 'imap',
  postfix: 'smtp',
  rspamd: 'antispam',
  roundcube: 'webmail',
  snappymail: 'webmail',
  radicale: 'webdav',
  nginx: 'front',
  unbound: 'resolver',
  tika: 'tika',
  oletools: 'oletools',
  fetchmail: 'fetchmail',
  redis: 'redis',
};

/** Components without an on/off switch in `components`. */
const ALWAYS_ON = new Set(['front', 'smtp', 'imap', 'antispam', 'resolver']);
const SWITCHED = new Set(['admin', 'antivirus', 'webmail', 'webdav', 'fetchmail', 'oletools', 'tika']);

/** The Helm chart's top-level values → where the same setting lives here. */
const HELM_TOP_LEVEL: Readonly<Record<string, string>> = {
  subnet: 'cluster.podCidr',
  subnet6: 'cluster.podCidr6',
  clusterDomain: 'cluster.clusterDomain',
  persistence: 'storage',
  ingress: 'web',
  externalRelay: 'egress (mode: relay)',
  externalDatabase: 'database',
  externalRedis: 'redis (mode: external)',
  initialAccount: 'secrets.initialAdmin',
  secretKey: 'secrets.secretKey',
  existingSecret: 'secrets.secretKey.name',
  api: 'secrets.apiToken',
  logLevel: 'mailu.logLevel',
  limits: 'mailu.messageSizeLimit and mailu.rateLimits',
  messageSizeLimit: 'mailu.messageSizeLimit',
  mailuVersion: 'mailu.version',
  imageRegistry: 'mailu.registry',
  recipientDelimiter: 'mailu.recipientDelimiter',
  dmarc: 'dns.dmarc',
  env: 'mailu.env',
  networkPolicy: '(always on: NetworkPolicies are part of every output)',
  front: 'exposure (how mail reaches front) and resources.front',
};

/** A Helm-style component block at the top level (`clamav: {enabled: false}`): where it lives here. */
function topLevelComponent(key: string, ours: string): string | undefined {
  const named = ours === key ? ours : `${ours} (Mailu's ${key})`;
  if (ours === 'webmail' && key !== 'webmail') return `choose the webmail with components.webmail: ${key}`;
  if (ours === 'redis') return 'redis is configured in the top-level redis block (mode: bundled or external)';
  if (ALWAYS_ON.has(ours)) return `${named} always runs: resources.${ours} sizes it`;
  if (SWITCHED.has(ours)) return `${named} is switched by components.${ours} and sized by resources.${ours}`;
  return undefined;
}

/** A hint from the names Mailu and its Helm chart use, or undefined. */
function aliasHint(key: string, known: readonly string[], path: string): string | undefined {
  const lower = key.toLowerCase();
  const ours = COMPONENT_ALIASES[lower] ?? (SWITCHED.has(lower) || ALWAYS_ON.has(lower) ? lower : undefined);
  if (path === '') return HELM_TOP_LEVEL[key] ? `the Helm chart's ${key} is ${HELM_TOP_LEVEL[key]} here` : ours && topLevelComponent(lower, ours);
  if (!ours || known.includes(lower)) return undefined;
  if (path === 'components' && ours === 'webmail' && lower !== 'webmail') return `did you mean "webmail"? Choose it with components.webmail: ${lower}`;
  if (known.includes(ours)) return `did you mean "${ours}"? Mailu's ${key} is called ${ours} here`;
  if (path === 'components' && ALWAYS_ON.has(ours)) return `${ours === lower ? ours : `${ours} (Mailu's ${key})`} always runs; it has no switch`;
  if (path === 'components' && ours === 'redis') return 'redis is configured in the top-level redis block (mode: bundled or external)';
  return undefined;
}

/** The message for an unknown key at `path` ("" for the top level), given the keys valid there. */
export function unknownKeyMessage(key: string, known: readonly string[], path: string): string {
  const alias = aliasHint(key, known, path);
  const near = alias ? undefined : closest(key, known);
  const hint = alias ?? (near ? `did you mean "${near}"?` : undefined);
  const valid = known.length > 0 ? `; valid keys: ${known.join(', ')}` : '';
  return `unknown key${hint ? ` (${hint})` : ''}${valid}`;
}
