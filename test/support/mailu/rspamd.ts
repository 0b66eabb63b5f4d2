// rspamd's own view of a render: Debian's stock rspamd config with what Mailu's start.py rendered
// into local.d (and the /overrides it includes), dumped by the real `rspamadm configdump`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MailuRender } from './render.js';

/** A config dir: /etc/rspamd, then the render's /etc/rspamd and /overrides files, paths made local. */
export function rspamdConfDir(out: MailuRender): string {
  const conf = mkdtempSync(join(tmpdir(), 'rspamd-conf-'));
  cpSync('/etc/rspamd', conf, { recursive: true });
  for (const [path, content] of Object.entries(out.files)) {
    if (!path.startsWith('/etc/rspamd/') && !path.startsWith('/overrides/')) continue;
    const target = join(conf, path.startsWith('/overrides/') ? path : path.slice('/etc/rspamd'.length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content.replaceAll('"/overrides/', `"${conf}/overrides/`));
  }
  return conf;
}

/** `rspamadm configdump <section>` of a config dir; `env` adds variables (rspamd reads RSPAMD_*). */
export function configdump(conf: string, section: string, env: Record<string, string> = {}): string {
  const res = spawnSync('rspamadm', [`--var=CONFDIR=${conf}`, `--var=LOCAL_CONFDIR=${conf}`, 'configdump', '-c', join(conf, 'rspamd.conf'), section], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return res.stdout;
}

