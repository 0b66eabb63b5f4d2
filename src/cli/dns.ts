// `mailu-k8s dns plan`: print the DNS plan of a config (or of the embedded example).
import { exampleConfig } from '../config/example.js';
import { loadConfigFile, parseConfigWithWarnings } from '../validation/index.js';
import { canonicalMailDomain } from '../config/domains.js';
import { planDns, planDomains, planForDomain } from '../dns/plan.js';
import { renderJson, renderTable, renderZones } from '../dns/render.js';

export const DNS_PLAN_FORMATS = ['zone', 'json', 'table'] as const;
export type DnsPlanFormat = (typeof DNS_PLAN_FORMATS)[number];

export interface DnsPlanOptions {
  /** YAML config file; the embedded example when omitted. */
  config?: string;
  format: DnsPlanFormat;
  /** Only this mail domain (`domain` or one of `domains:`); every domain when omitted. */
  domain?: string;
}

/** Prints the plan on stdout and warnings on stderr; ConfigError propagates (the CLI exits 2). */
export async function runDnsPlan(opts: DnsPlanOptions): Promise<number> {
  if (!(DNS_PLAN_FORMATS as readonly string[]).includes(opts.format)) {
    process.stderr.write(`error: --format must be one of ${DNS_PLAN_FORMATS.join(', ')} (got ${JSON.stringify(opts.format)})\n`);
    return 2;
  }
  const { config, warnings } = opts.config ? loadConfigFile(opts.config) : parseConfigWithWarnings(exampleConfig);
  // Parsing validated the plan and collected its warnings: each is printed once.
  const full = planDns(config);
  const plan = opts.domain === undefined ? full : planForDomain(full, canonicalMailDomain(opts.domain));
  if (!plan) {
    process.stderr.write(`error: --domain ${opts.domain} is not a mail domain of this config (${planDomains(full).join(', ')})\n`);
    return 2;
  }
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  // Every format covers the plan's domains: all of them, or the one asked for.
  const text = opts.format === 'json' ? renderJson(plan) : opts.format === 'table' ? renderTable(plan) : renderZones(plan);
  process.stdout.write(text);
  return 0;
}
