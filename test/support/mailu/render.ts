// Render harness: runs Mailu's own start-up scripts (vendored, unchanged, in
// test/fixtures/mailu-2024.06.57) on an environment we generate, and returns what they write.
//
// API (stable; other tests build on it):
//
//   mailuPython(): { ok: true } | { ok: false; reason: string }
//       Whether /usr/bin/python3 with jinja2 is here (skip visibly with `reason` when not).
//
//   renderFront(env, opts?)    front:     core/nginx/config.py  → /etc/nginx/{nginx,tls,proxy}.conf,
//                                          /etc/dovecot/{proxy.conf,login.lua}
//   renderPostfix(env, opts?)  smtp:      core/postfix/start.py → /etc/postfix/{main,master}.cf, …
//   renderDovecot(env, opts?)  imap:      core/dovecot/start.py → /etc/dovecot/{dovecot,auth}.conf, …
//   renderRspamd(env, opts?)   antispam:  core/rspamd/start.py  → /etc/rspamd/local.d/*
//     env:  the container's environment (name → value), e.g. from effectiveEnv() in effective-env.ts.
//     opts: RenderOptions below (files to seed such as /certs/*, a host table, resolv.conf, keep).
//     → Promise<MailuRender>:
//         dir       sandbox root; container path /a/b is at join(dir, '/a/b'). Removed before the
//                   promise resolves unless opts.keep (then call cleanup() when done).
//         files     every file in the sandbox after the run, container path → text (inputs included)
//         commands  what the script asked to run, recorded and never executed, as readable strings
//                   ("os.system: killall -q -HUP nginx dovecot", "socrate.run_process: postfix start-fg")
//         dials     addresses the script itself would contact (podop lookup URLs, rspamd's wait on admin)
//         processes multiprocessing targets started (run in-process with every side effect stubbed)
//         log       the script's stdout + stderr
//         cleanup() removes dir (idempotent)
//   renderTemplate(source, env, opts?)  one vendored Jinja template (fixture-relative path, e.g.
//                              'webmails/roundcube/config/config.inc.php') rendered with socrate's
//                              conf.jinja and the env, for components whose start-up script is not
//                              vendored; the output is files['/rendered/<basename>'].
//   runInSandbox(script, env, opts?)     any Python file (absolute path) under the same bootstrap;
//                              opts.argv passes arguments. For testing the harness itself.
//   A script that fails (exception, non-zero exit) rejects with its stderr.
//
// How the scripts run unchanged: see bootstrap.py next to this file (absolute paths mapped into the
// sandbox, commands recorded, no network, names resolved from opts.hosts only).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const MAILU_FIXTURE = fileURLToPath(new URL('../../fixtures/mailu-2024.06.57/', import.meta.url));
const BOOTSTRAP = fileURLToPath(new URL('./bootstrap.py', import.meta.url));
const RENDER_TEMPLATE = fileURLToPath(new URL('./render_template.py', import.meta.url));

export interface RenderOptions {
  /** Extra files to place before the run, container path → content (e.g. /certs/tls.crt, /overrides/…). */
  files?: Record<string, string>;
  /** Name → address for every lookup the script makes; anything else fails to resolve. */
  hosts?: Record<string, string>;
  /** Content of /etc/resolv.conf (front reads its first nameserver). Default: nameserver 127.0.0.1. */
  resolvConf?: string;
  /** Keep the sandbox directory (call cleanup() yourself). */
  keep?: boolean;
}

export interface Dial {
  kind: string;
  target: string;
}

export interface MailuRender {
  dir: string;
  files: Record<string, string>;
  commands: string[];
  dials: Dial[];
  processes: string[];
  log: string;
  cleanup(): void;
}

/** Container paths the scripts read or write; the bootstrap maps them into the sandbox. */
export const SANDBOX_PREFIXES = [
  '/conf', '/dovecot_conf', '/static', '/certs', '/overrides', '/etc/nginx', '/etc/dovecot', '/etc/postfix',
  '/etc/rspamd', '/etc/mta-sts-daemon.yml', '/etc/logrotate.d', '/etc/resolv.conf', '/var/run', '/run',
  '/queue', '/mail', '/dev/shm', '/root', '/var/lib/dovecot', '/var/lib/rspamd', '/tmp/podop.socket',
  '/tmp/mta-sts.socket', '/template', '/rendered',
] as const;

/** Directories every sandbox starts with (the image has them). */
const BASE_DIRS = ['/rendered', '/etc/nginx', '/etc/dovecot', '/etc/postfix', '/etc/rspamd/local.d', '/etc/logrotate.d',
  '/overrides', '/certs', '/queue/pid', '/dev/shm', '/root', '/run', '/var/run', '/static'];

interface Layout {
  script: string;
  argv?: string[];
  /** container dir → fixture files (relative to the fixture root) copied into it, as the Dockerfile does */
  copies: Record<string, string[]>;
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(join(MAILU_FIXTURE, dir)).map((f) => `${dir}/${f}`);
}

const LAYOUTS = {
  front: () => ({
    script: 'core/nginx/config.py',
    copies: { '/conf': fixtureFiles('core/nginx/conf'), '/dovecot_conf': fixtureFiles('core/nginx/dovecot') },
  }),
  postfix: () => ({ script: 'core/postfix/start.py', copies: { '/conf': fixtureFiles('core/postfix/conf') } }),
  dovecot: () => ({ script: 'core/dovecot/start.py', copies: { '/conf': fixtureFiles('core/dovecot/conf') } }),
  rspamd: () => ({ script: 'core/rspamd/start.py', copies: { '/conf': fixtureFiles('core/rspamd/conf') } }),
} satisfies Record<string, () => Layout>;

let pythonCheck: { ok: true } | { ok: false; reason: string } | undefined;

export function mailuPython(): { ok: true } | { ok: false; reason: string } {
  if (pythonCheck) return pythonCheck;
  if (!existsSync(PYTHON)) return (pythonCheck = { ok: false, reason: `${PYTHON} not installed` });
  const probe = spawnSync(PYTHON, ['-c', 'import jinja2'], { stdio: 'ignore' });
  pythonCheck = probe.status === 0 ? { ok: true } : { ok: false, reason: `python3-jinja2 not installed for ${PYTHON}` };
  return pythonCheck;
}

function writeFile(root: string, path: string, content: string): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}

function prepareSandbox(layout: Layout, opts: RenderOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-render-'));
  for (const d of BASE_DIRS) mkdirSync(join(dir, d), { recursive: true });
  for (const [dest, sources] of Object.entries(layout.copies)) {
    mkdirSync(join(dir, dest), { recursive: true });
    for (const src of sources) cpSync(join(MAILU_FIXTURE, src), join(dir, dest, src.split('/').pop()!));
  }
  writeFile(dir, '/etc/resolv.conf', opts.resolvConf ?? 'nameserver 127.0.0.1\n');
  for (const [path, content] of Object.entries(opts.files ?? {})) writeFile(dir, path, content);
  return dir;
}

function readTree(root: string, dir = root, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) readTree(root, path, out);
    else if (st.isFile()) out[`/${relative(root, path)}`] = readFileSync(path, 'utf8');
  }
  return out;
}

interface BootstrapRecord {
  commands: { kind: string; command: string | string[] }[];
  processes: string[];
  dials: Dial[];
  errors: string[];
}

function formatCommand(c: BootstrapRecord['commands'][number]): string {
  return `${c.kind}: ${Array.isArray(c.command) ? c.command.join(' ') : c.command}`;
}

function runBootstrap(specPath: string, env: Record<string, string>): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-I', '-B', BOOTSTRAP, specPath], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, log: `${stdout}${stderr}` });
    });
  });
}

async function renderWith(layout: Layout, env: Record<string, string>, opts: RenderOptions): Promise<MailuRender> {
  const dir = prepareSandbox(layout, opts);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const meta = mkdtempSync(join(tmpdir(), 'mailu-render-meta-'));
    try {
      const spec = {
        sandbox: dir,
        prefixes: SANDBOX_PREFIXES,
        hosts: opts.hosts ?? {},
        script: layout.script.startsWith('/') ? layout.script : join(MAILU_FIXTURE, layout.script),
        socrate: join(MAILU_FIXTURE, 'core/base/libs/socrate'),
        record: join(meta, 'record.json'),
        argv: layout.argv ?? [],
      };
      writeFileSync(join(meta, 'spec.json'), JSON.stringify(spec));
      const { code, log } = await runBootstrap(join(meta, 'spec.json'), env);
      const rec = existsSync(spec.record) ? (JSON.parse(readFileSync(spec.record, 'utf8')) as BootstrapRecord) : undefined;
      if (code !== 0 || !rec || rec.errors.length > 0) {
        throw new Error(`${layout.script} failed (exit ${code}): ${rec?.errors.join('; ') ?? 'no record'}\n${log}`);
      }
      const result: MailuRender = {
        dir, files: readTree(dir), commands: rec.commands.map(formatCommand), dials: rec.dials,
        processes: rec.processes, log, cleanup,
      };
      if (!opts.keep) cleanup();
      return result;
    } finally {
      rmSync(meta, { recursive: true, force: true });
    }
  } catch (e) {
    cleanup();
    throw e;
  }
}

export function renderFront(env: Record<string, string>, opts: RenderOptions = {}): Promise<MailuRender> {
  return renderWith(LAYOUTS.front(), env, opts);
}
export function renderPostfix(env: Record<string, string>, opts: RenderOptions = {}): Promise<MailuRender> {
  return renderWith(LAYOUTS.postfix(), env, opts);
}
export function renderDovecot(env: Record<string, string>, opts: RenderOptions = {}): Promise<MailuRender> {
  return renderWith(LAYOUTS.dovecot(), env, opts);
}
export function renderRspamd(env: Record<string, string>, opts: RenderOptions = {}): Promise<MailuRender> {
  return renderWith(LAYOUTS.rspamd(), env, opts);
}

export function renderTemplate(source: string, env: Record<string, string>, opts: RenderOptions = {}): Promise<MailuRender> {
  const name = source.split('/').pop()!;
  const layout: Layout = { script: RENDER_TEMPLATE, argv: [`/template/${name}`, `/rendered/${name}`], copies: { '/template': [source] } };
  return renderWith(layout, env, opts);
}

export function runInSandbox(script: string, env: Record<string, string>, opts: RenderOptions & { argv?: string[] } = {}): Promise<MailuRender> {
  return renderWith({ script, argv: opts.argv ?? [], copies: {} }, env, opts);
}
