// Renders a doctor report: a table a person reads at a glance (one row per check, the fix
// indented under every warning and failure), or JSON for machines.
import type { CheckStatus, DoctorReport } from './types.js';

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
const COLOR: Record<CheckStatus, string> = { pass: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m' };
const RESET = '\x1b[0m';

export interface TableOptions {
  /** ANSI colours for the status column (for terminals). */
  color?: boolean;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function renderTable(report: DoctorReport, opts: TableOptions = {}): string {
  const width = Math.min(44, Math.max(5, ...report.checks.map((c) => c.title.length)));
  const pad = ' '.repeat(8 + width + 2);
  const egress =
    report.egressIps.length > 0 ? `egress ${report.egressIps.join(', ')}${report.egressSource === 'config' ? ' (from config)' : ''}` : 'egress unknown (--egress-ip)';
  const lines = [
    `mailu-k8s doctor: ${report.domain} (primary host ${report.primaryHostname})`,
    `resolver ${report.resolvers.join(', ') || 'system'}; ${egress}; ${report.queries} DNS queries in ${report.durationMs} ms`,
    '',
    `${'STATUS'.padEnd(6)}  ${'CHECK'.padEnd(width + 2)}RESULT`,
  ];
  for (const c of report.checks) {
    const label = opts.color ? `${COLOR[c.status]}${LABEL[c.status]}${RESET}` : LABEL[c.status];
    const title = c.title.length > width ? `${c.title.slice(0, width - 1)}…` : c.title;
    lines.push(`${label}    ${title.padEnd(width + 2)}${c.detail}`);
    for (const [i, f] of (c.fix ?? []).entries()) lines.push(`${pad}${i === 0 ? 'fix: ' : '     '}${f}`);
  }
  const { pass, warn, fail } = report.summary;
  lines.push('', `${plural(pass, 'check passed', 'checks passed')}, ${plural(warn, 'warning', 'warnings')}, ${plural(fail, 'failure', 'failures')}`);
  return `${lines.join('\n')}\n`;
}

export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
