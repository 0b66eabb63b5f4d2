// The doctor over several mail domains: each domain's records are checked against its own part of
// the plan; what belongs to the server rather than to a domain (its addresses, reverse DNS, the
// SMTP probe) is checked once, in the primary domain's report. Lookups are shared across domains.
import { planForDomain } from '../dns/plan.js';
import type { DnsPlan } from '../dns/types.js';
import { cachingResolver } from './resolver.js';
import { renderTable, type TableOptions } from './report.js';
import { runDoctorChecks, type RunOptions } from './run.js';
import type { CheckArea, DoctorReport } from './types.js';

/** Checks about the mail server itself: run once, with the primary domain. */
const HOST_AREAS: ReadonlySet<CheckArea> = new Set(['Address', 'PTR', 'SMTP']);

export interface DomainsReport {
  domains: DoctorReport[];
  summary: { pass: number; warn: number; fail: number };
}

function summarise(checks: DoctorReport['checks']): DoctorReport['summary'] {
  const summary = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) summary[c.status]++;
  return summary;
}

/** A non-primary domain's report: the server-level checks are the primary's. */
function domainOnly(report: DoctorReport): DoctorReport {
  const checks = report.checks.filter((c) => !HOST_AREAS.has(c.area));
  return { ...report, checks, summary: summarise(checks) };
}

/**
 * Runs the doctor for each of `domains` (names in the plan; the caller checked them), in parallel
 * over one shared answer cache. Throws what runDoctorChecks throws (an unreachable resolver).
 */
export async function runDoctorForDomains(plan: DnsPlan, domains: string[], opts: Omit<RunOptions, 'plan'>): Promise<DomainsReport> {
  const resolver = Object.assign(cachingResolver(opts.resolver), opts.resolver.cancel ? { cancel: () => opts.resolver.cancel?.() } : {});
  const reports = await Promise.all(
    domains.map(async (name) => {
      const view = planForDomain(plan, name);
      if (!view) throw new Error(`${name} is not a mail domain of the plan`);
      const primary = view.domain === plan.domain;
      const { smtp, ...rest } = opts;
      const report = await runDoctorChecks({ ...rest, ...(primary && smtp ? { smtp } : {}), plan: view, resolver });
      return primary ? report : domainOnly(report);
    }),
  );
  const summary = { pass: 0, warn: 0, fail: 0 };
  for (const r of reports) for (const k of ['pass', 'warn', 'fail'] as const) summary[k] += r.summary[k];
  return { domains: reports, summary };
}

/** One table per domain, then the totals. */
export function renderDomainsTable(report: DomainsReport, opts: TableOptions = {}): string {
  const { pass, warn, fail } = report.summary;
  const total = `all ${report.domains.length} domains: ${pass} passed, ${warn} warnings, ${fail} failures\n`;
  return `${report.domains.map((r) => renderTable(r, opts)).join('\n')}\n${total}`;
}

/** Exit status: 1 when any domain has a failure (or a warning, with strict), else 0. */
export function exitCodeForDomains(report: DomainsReport, strict: boolean): number {
  if (report.summary.fail > 0) return 1;
  return strict && report.summary.warn > 0 ? 1 : 0;
}
