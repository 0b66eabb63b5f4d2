// The official Mailu Helm chart's volume claims, as far as names and layout go. mailu-k8s can take
// over such a claim (storage.mode helmChart) but must never create one under a name the chart
// uses: over a Helm install the API server refuses the changed spec of the existing claim (a
// claim's spec is immutable), or, where it matches, our pods come up on the chart's folders and
// find no mail where they look.

/** Our components whose data the chart keeps on its claim(s), with the chart's name for each. */
export const HELM_CHART_COMPONENTS = {
  admin: 'admin',
  imap: 'dovecot',
  smtp: 'postfix',
  antispam: 'rspamd',
  webmail: 'webmail',
  webdav: 'webdav',
  fetchmail: 'fetchmail',
} as const;
export type HelmChartDataComponent = keyof typeof HELM_CHART_COMPONENTS;

/** Always running: the chart's claims for these must be given when they are listed one by one. */
export const HELM_CHART_REQUIRED_CLAIMS: readonly HelmChartDataComponent[] = ['admin', 'imap', 'smtp', 'antispam'];

const CHART_NAMES = Object.values(HELM_CHART_COMPONENTS).join('|');

/** Claim names the chart makes, `<fullname>` being its release-derived prefix. */
const CHART_CLAIM_PATTERNS: { re: RegExp; what: string }[] = [
  { re: /-storage$/, what: 'the chart\'s single claim `<fullname>-storage` (persistence.single_pvc)' },
  { re: new RegExp(`-(${CHART_NAMES})$`), what: 'a per-component claim of the chart, `<fullname>-<component>`' },
  { re: /^data-.+-clamav-\d+$/, what: 'the chart\'s ClamAV claim `data-<fullname>-clamav-<n>`' },
  { re: /^(redis-)?data-.+-(redis-master|redis-replicas|postgresql|mariadb)-\d+$/, what: 'a claim of one of the chart\'s Bitnami subcharts' },
];

/** Which of the chart's claim names `name` could be, if any. */
export function helmChartClaimPattern(name: string): string | undefined {
  return CHART_CLAIM_PATTERNS.find((p) => p.re.test(name))?.what;
}

/** The refusal for a claim mailu-k8s would create under a chart's name: why, and what to do. */
export function helmChartClaimClash(name: string): string | undefined {
  const what = helmChartClaimPattern(name);
  if (!what) return undefined;
  return `${name} has the name pattern of ${what}: over a Helm install the existing claim (another access mode, another folder layout) makes the apply fail or brings Mailu up on empty folders. To keep a Helm install's data use storage.mode: helmChart with storage.helmChart.claimName: ${name}; otherwise choose a name that does not end like the chart's (the default is <instance>-shared-data)`;
}
