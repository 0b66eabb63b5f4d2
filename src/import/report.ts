// What the import did with each chart value: mapped (to which of our keys), default (our default
// already does what the chart did), unsupported (and why), refused (unsafe: why, and the safe
// alternative), secret (the value is never copied; where the Secret comes from instead) or
// placeholder (required by us, missing in the values: a value to replace).
import type { ConfigIssue } from '../config/errors.js';

export type Status = 'mapped' | 'default' | 'unsupported' | 'refused' | 'secret' | 'placeholder';

export interface ReportEntry {
  /** Chart value path(s), dotted; a path covers every value under it. */
  chart: string[];
  status: Status;
  /** Our config key(s) the value went to. */
  to: string[];
  note: string;
  /** None of the paths is in the values file: the chart's default did this. */
  implied?: boolean;
}

export class Report {
  readonly entries: ReportEntry[] = [];
  /** Refused values: the import fails with these (exit 2). */
  readonly refusals: ConfigIssue[] = [];
  /** Commands to run before and after (copying Secrets, keeping the claim). */
  readonly steps: string[] = [];

  private add(status: Status, chart: string | string[], to: string | string[], note: string): void {
    // Nothing of the kind in the values (a list filtered to what the file sets): no line.
    if ([chart].flat().length === 0) return;
    this.entries.push({ status, chart: [chart].flat(), to: [to].flat(), note });
  }
  mapped(chart: string | string[], to: string | string[], note = ''): void {
    this.add('mapped', chart, to, note);
  }
  dflt(chart: string | string[], note: string): void {
    this.add('default', chart, [], note);
  }
  unsupported(chart: string | string[], why: string): void {
    this.add('unsupported', chart, [], why);
  }
  secret(chart: string | string[], note: string, to: string | string[] = []): void {
    this.add('secret', chart, to, note);
  }
  placeholder(chart: string | string[], to: string | string[], note: string): void {
    this.add('placeholder', chart, to, note);
  }
  /** Unsafe: refused with the reason and what to do instead; nothing is written. */
  refused(chart: string, reason: string, instead: string): void {
    this.add('refused', chart, [], `${reason}; instead: ${instead}`);
    this.refusals.push({ path: chart, message: `${reason}; instead: ${instead}` });
  }
  step(command: string): void {
    if (!this.steps.includes(command)) this.steps.push(command);
  }

  /** Is a chart path accounted for by an entry (itself or a parent)? */
  covers(path: string): boolean {
    return this.entries.some((e) => e.chart.some((c) => path === c || path.startsWith(`${c}.`)));
  }
}

const LABEL: Record<Status, string> = {
  mapped: 'mapped',
  default: 'default',
  unsupported: 'unsupported',
  refused: 'REFUSED',
  secret: 'secret',
  placeholder: 'PLACEHOLDER',
};
const ORDER: Status[] = ['refused', 'placeholder', 'secret', 'mapped', 'default', 'unsupported'];

/**
 * Paths for a line: a long list that is every combination of a few parents and a few keys (the
 * per-component knobs) reads as {front,admin}.{livenessProbe,readinessProbe}.
 */
export function formatPaths(paths: string[]): string {
  if (paths.length <= 4) return paths.join(', ');
  const split = paths.map((p) => [p.slice(0, p.indexOf('.')), p.slice(p.indexOf('.') + 1)] as const);
  const heads = [...new Set(split.map(([h]) => h))];
  const tails = [...new Set(split.map(([, t]) => t))];
  const full = split.every(([h]) => h !== '') && heads.length * tails.length === paths.length;
  if (!full) return paths.join(', ');
  const brace = (xs: string[]) => (xs.length === 1 ? xs[0]! : `{${xs.join(',')}}`);
  return `${brace(heads)}.${brace(tails)}`;
}

/** The report as text for stderr: one line per entry, grouped by status, then the steps. */
export function formatReport(r: Report, source: string): string {
  const lines = [`import-helm: ${source}`];
  for (const status of ORDER) {
    for (const e of r.entries.filter((x) => x.status === status)) {
      const to = e.to.length > 0 ? ` → ${e.to.join(', ')}` : '';
      const implied = e.implied ? ' (the chart\'s default)' : '';
      lines.push(`  ${LABEL[status].padEnd(12)} ${formatPaths(e.chart)}${implied}${to}${e.note ? `: ${e.note}` : ''}`);
    }
  }
  if (r.steps.length > 0) {
    lines.push('', 'Before you apply (see the README, "Migrating from the Helm chart"):');
    // Keep the release's claims first, then fill our Secrets from the chart's.
    const keepFirst = [...r.steps].sort((a, b) => Number(!a.includes(' annotate ')) - Number(!b.includes(' annotate ')));
    for (const s of keepFirst) lines.push(`  ${s}`);
  }
  return `${lines.join('\n')}\n`;
}
