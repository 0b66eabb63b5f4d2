// Atomic output: everything is rendered in memory first, written to a sibling temporary directory,
// then swapped in with renames. On any error the target directory is left exactly as it was.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    if (hadOld) rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
