// Five-field cron expressions, checked the way both consumers of backup.schedule read them:
// Velero's Schedule and CloudNativePG's ScheduledBackup both parse with robfig/cron (CloudNativePG
// with a leading seconds field, which the chart adds). So: numbers, ranges, steps, lists, month and
// weekday names; no @descriptors (CloudNativePG's six-field form has no place for them), no `?`,
// `L` or `W` (robfig does not know them), weekdays 0-6 (robfig refuses 7).

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: WEEKDAYS },
];

/** What the @descriptors mean, to suggest the five fields instead. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Days in each month, February counted as 29 (a schedule for Feb 29 runs in leap years). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface CronFields {
  /** The selected values of each field, in field order. */
  values: Set<number>[];
  /** Whether day of month / day of week were `*` (robfig ANDs them then, else ORs them). */
  domStar: boolean;
  dowStar: boolean;
}

function value(text: string, spec: FieldSpec): number | string {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper as never) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) {
    return `"${text}" is not a number${spec.names ? ` or a name (${spec.names[0]}..${spec.names[spec.names.length - 1]})` : ''}`;
  }
  const n = Number(text);
  if (spec.name === 'day of week' && n === 7) return '7 is not a day of week here: write 0 for Sunday';
  if (n < spec.min || n > spec.max) return `${n} is outside ${spec.min}-${spec.max}`;
  return n;
}

// One comma-separated item: a star, a star with a step, a, a-b, a-b with a step, a with a step.
function item(text: string, spec: FieldSpec, out: Set<number>): string | undefined {
  const [range, stepText, extra] = text.split('/');
  if (extra !== undefined || range === undefined || range === '') return `"${text}" is not a value, range or step`;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `step "${stepText}" must be a positive number`;
    step = Number(stepText);
  }
  let lo = spec.min;
  let hi = spec.max;
  if (range !== '*') {
    const [a, b, more] = range.split('-');
    if (more !== undefined || a === undefined || a === '' || b === '') return `"${range}" is not a value or a range a-b`;
    const av = value(a, spec);
    if (typeof av === 'string') return av;
    lo = av;
    // robfig reads `a/n` as `a-max/n`; a lone `a` is just a.
    hi = stepText !== undefined ? spec.max : av;
    if (b !== undefined) {
      const bv = value(b, spec);
      if (typeof bv === 'string') return bv;
      if (bv < av) return `range ${range} runs backwards`;
      hi = bv;
    }
  }
  for (let v = lo; v <= hi; v += step) out.add(v);
  return undefined;
}

function field(text: string, spec: FieldSpec): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const problem = item(part, spec, out);
    if (problem) return `${spec.name}: ${problem}`;
  }
  return out;
}

/** Parses a five-field expression; returns the fields or a message saying what is wrong. */
export function parseCron(expr: string): CronFields | string {
  const text = expr.trim();
  const descriptor = DESCRIPTORS[text.toLowerCase()];
  if (descriptor) return `write the five fields instead of ${text}: "${descriptor}"`;
  if (text.startsWith('@')) return `${text} is not supported: write five fields (minute hour day-of-month month day-of-week)`;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    const six = parts.length === 6 ? ' (no seconds field: mailu-k8s adds the one CloudNativePG needs)' : '';
    return `needs 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${six}`;
  }
  const values: Set<number>[] = [];
  for (const [i, spec] of FIELDS.entries()) {
    const f = field(parts[i]!, spec);
    if (typeof f === 'string') return f;
    values.push(f);
  }
  const fields: CronFields = { values, domStar: parts[2] === '*', dowStar: parts[4] === '*' };
  const never = neverRuns(fields);
  return never ?? fields;
}

/** A day-of-month that no selected month has (Feb 30) never fires, unless a weekday also selects. */
function neverRuns(f: CronFields): string | undefined {
  if (f.domStar || !f.dowStar) return undefined;
  const [, , dom, months] = f.values;
  const longest = Math.max(...[...months!].map((m) => MONTH_DAYS[m - 1]!));
  if ([...dom!].every((d) => d > longest)) return `never runs: no selected month has day ${Math.min(...dom!)}`;
  return undefined;
}

/** The expression with single spaces, as written into the objects. */
export function normaliseCron(expr: string): string {
  return expr.trim().split(/\s+/).join(' ');
}
