// A unified line diff (as `diff -u` prints it), small enough to own: manifests are a few hundred
// lines at most, so the longest common subsequence by dynamic programming is quick and exact.

export type Edit = { op: ' ' | '-' | '+'; line: string };

/** The edit script turning `a` into `b`: common lines kept, the rest removed or added. */
export function lineEdits(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      edits.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      edits.push({ op: '+', line: b[j]! });
      j++;
    } else {
      edits.push({ op: '-', line: a[i]! });
      i++;
    }
  }
  // Removals before additions within a run of changes, as diff -u shows them.
  return reorderRuns(edits);
}

function reorderRuns(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let run: Edit[] = [];
  const flush = () => {
    out.push(...run.filter((e) => e.op === '-'), ...run.filter((e) => e.op === '+'));
    run = [];
  };
  for (const e of edits) {
    if (e.op === ' ') {
      flush();
      out.push(e);
    } else run.push(e);
  }
  flush();
  return out;
}

/** Hunks with `context` lines around each change, with `@@ -a,n +b,m @@` headers. Empty when equal. */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3): string {
  const edits = lineEdits(splitLines(a), splitLines(b));
  const changed = edits.map((e, k) => (e.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(edits.length, k + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  for (const [start, end] of hunks) out.push(...hunk(edits, start, end));
  return `${out.join('\n')}\n`;
}

function hunk(edits: Edit[], start: number, end: number): string[] {
  // Line numbers: count what comes before the hunk on each side.
  let aLine = 1;
  let bLine = 1;
  for (const e of edits.slice(0, start)) {
    if (e.op !== '+') aLine++;
    if (e.op !== '-') bLine++;
  }
  const body = edits.slice(start, end);
  const aCount = body.filter((e) => e.op !== '+').length;
  const bCount = body.filter((e) => e.op !== '-').length;
  const range = (line: number, count: number) => `${count === 0 ? line - 1 : line},${count}`;
  return [`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`, ...body.map((e) => `${e.op}${e.line}`)];
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
