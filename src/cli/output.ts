// Atomic output: everything is rendered in memory first, written to a sibling temporary directory,
// then swapped in with renames. On any error the target directory is left exactly as it was.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function writeDirAtomically(dir: string, files: Record<string, string>): void {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${stamp}`);
  const old = join(parent, `.${basename(target)}.old-${stamp}`);
  try {
    mkdirSync(tmp);
    for (const name of Object.keys(files).sort()) writeFileSync(join(tmp, name), files[name]!);
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

/** Our output directories are flat: unlink the files directly (much cheaper than a recursive rm). */
function removeFlatDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}
