// Atomic output: everything is rendered in memory first, written to a sibling temporary directory,
// then swapped in with renames. On any error the target directory is left exactly as it was.
//
// The swap replaces the whole directory, so it is only done to a directory mailu-k8s owns: a
// missing or empty one, or one whose every file is listed in the marker of an earlier run.
// Anything else (`--out .` in a project, say) is refused instead of deleted.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';

/** Lists the files of a run; kubectl and kustomize ignore dot-files, so it never gets applied. */
export const OUTPUT_MARKER = '.mailu-k8s-output';

function assertOwned(target: string, flag: string): void {
  if (!existsSync(target)) return;
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  const listed = entries.includes(OUTPUT_MARKER)
    ? new Set([OUTPUT_MARKER, ...readFileSync(join(target, OUTPUT_MARKER), 'utf8').split('\n').filter(Boolean)])
    : new Set<string>();
  const foreign = entries.filter((e) => !listed.has(e)).sort();
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} in all)` : '');
    throw new ConfigError([
      { path: flag, message: `${target} holds files mailu-k8s did not write (${shown}); it replaces its output directory whole, so choose an empty or dedicated one` },
    ]);
  }
}

export function writeDirAtomically(dir: string, files: Record<string, string>, flag = '--out'): void {
  const target = resolve(dir);
  assertOwned(target, flag);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${stamp}`);
  const old = join(parent, `.${basename(target)}.old-${stamp}`);
  const names = Object.keys(files).sort();
  try {
    mkdirSync(tmp);
    for (const name of names) writeFileSync(join(tmp, name), files[name]!);
    writeFileSync(join(tmp, OUTPUT_MARKER), `${names.join('\n')}\n`);
    const hadOld = existsSync(target);
    if (hadOld) renameSync(target, old);
    try {
      renameSync(tmp, target);
    } catch (e) {
      if (hadOld) renameSync(old, target);
      throw e;
    }
    if (hadOld) removeFlatDir(old);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** One file, written beside its target and renamed over it: readers never see half of it. */
export function writeFileAtomically(path: string, content: string): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Our output directories are flat: unlink the files directly (much cheaper than a recursive rm). */
function removeFlatDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
