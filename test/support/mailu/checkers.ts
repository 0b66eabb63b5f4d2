// The daemons' own config checkers on what Mailu rendered: `nginx -t`, `postconf -n` / `-M`,
// `doveconf -n`. The rendered files name container paths (/etc/nginx, /certs, …); materialize()
// writes a copy under a temp dir with exactly those absolute paths rewritten into it. Debian's
// builds differ from Mailu's Alpine images in a few places: each adaptation or tolerated message
// is listed ONCE in DEBIAN_DIFFERENCES with its reason, and nothing else is ignored.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type MailuRender, SANDBOX_PREFIXES } from './render.js';

export type Tool = 'nginx' | 'postconf' | 'doveconf';

export interface Difference {
  tool: Tool;
  /** What differs between Mailu's Alpine image and Debian, and why tolerating it hides nothing. */
  reason: string;
  /** Applies only when this holds on this machine (e.g. the nginx version is older). */
  applies: () => boolean;
  /** Rewrite of the materialized config (never of the vendored files). */
  adapt?: (text: string) => string;
  /** Output lines (warnings) that this difference explains. */
  tolerate?: RegExp;
}

function nginxVersion(): [number, number, number] | undefined {
  const res = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  const m = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${res.stdout}${res.stderr}`);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function olderThan(v: [number, number, number] | undefined, ref: [number, number, number]): boolean {
  if (!v) return false;
  for (let i = 0; i < 3; i++) if (v[i] !== ref[i]) return v[i]! < ref[i]!;
  return false;
}

const userExists = (name: string) => spawnSync('getent', ['passwd', name], { stdio: 'ignore' }).status === 0;

/** The one allow-list of Debian-vs-Alpine differences. */
export const DEBIAN_DIFFERENCES: Difference[] = [
  {
    tool: 'nginx',
    reason:
      "Mailu's nginx.conf says `user nginx;` (Alpine's nginx package creates that user); Debian runs workers as www-data " +
      'and has no nginx user, so `nginx -t` (as root) fails to resolve it. The user only affects worker privileges.',
    applies: () => !userExists('nginx') && userExists('www-data'),
    adapt: (t) => t.replace(/^(\s*)user nginx;/m, '$1user www-data;'),
  },
  {
    tool: 'nginx',
    reason:
      '`http2 on;` exists since nginx 1.25.1 (Mailu 2024.06 ships 1.26); Debian 12 has 1.22, where HTTP/2 is a listen ' +
      'parameter. Removing it only turns HTTP/2 off for the check; listeners, TLS and proxying are unchanged.',
    applies: () => olderThan(nginxVersion(), [1, 25, 1]),
    adapt: (t) => t.replace(/^\s*http2 on;\s*$/m, ''),
  },
];

function differences(tool: Tool): Difference[] {
  return DEBIAN_DIFFERENCES.filter((d) => d.tool === tool && d.applies());
}

/** Container paths that live in the materialized tree (the render sandbox prefixes). */
function rewritePaths(text: string, root: string): string {
  const alt = [...SANDBOX_PREFIXES].sort((a, b) => b.length - a.length).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(^|[\\s"'<=:])(${alt})(?=[/\\s;"'>]|$)`, 'gm');
  return text.replace(re, (_m, pre: string, path: string) => `${pre}${root}${path}`);
}

export interface Materialized {
  root: string;
  path(containerPath: string): string;
  cleanup(): void;
}

/**
 * Writes the rendered files under a fresh temp dir, container paths inside them rewritten to
 * that dir, and the tool's Debian adaptations applied to config files. `extra` adds files (e.g.
 * Debian's mime.types at /etc/nginx/mime.types, which Mailu's image has from its nginx package).
 */
export function materialize(out: MailuRender, tool: Tool, extra: Record<string, string> = {}): Materialized {
  const root = mkdtempSync(join(tmpdir(), `mailu-check-${tool}-`));
  for (const d of ['/overrides', '/etc/nginx/conf.d', '/static', '/var/run']) mkdirSync(join(root, d), { recursive: true });
  const adapt = differences(tool).map((d) => d.adapt).filter((f): f is (t: string) => string => f !== undefined);
  for (const [p, content] of Object.entries({ ...out.files, ...extra })) {
    const target = join(root, p);
    mkdirSync(dirname(target), { recursive: true });
    const isConf = /\.(conf|cf|lua)$/.test(p);
    const text = isConf ? adapt.reduce((t, f) => f(t), rewritePaths(content, root)) : content;
    writeFileSync(target, text);
  }
  return { root, path: (p) => join(root, p), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface CheckResult {
  tool: Tool;
  command: string;
  code: number | null;
  /** stdout (the effective config for postconf/doveconf). */
  stdout: string;
  stderr: string;
  /** Every non-empty stderr line (warnings included) not explained by DEBIAN_DIFFERENCES. */
  problems: string[];
}

/**
 * Runs a checker with stdout/stderr going to files, not pipes: nginx opens /dev/stderr itself
 * (error_log /dev/stderr), which fails with ENXIO when fd 2 is a socket, as Node's pipes are.
 */
function run(tool: Tool, cmd: string, args: string[]): Promise<CheckResult> {
  const command = `${cmd} ${args.join(' ')}`;
  const dir = mkdtempSync(join(tmpdir(), `mailu-${tool}-out-`));
  const [out, err] = [openSync(join(dir, 'stdout'), 'w'), openSync(join(dir, 'stderr'), 'w')];
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return new Promise<CheckResult>((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', out, err] });
    child.on('error', (e) => resolve({ tool, command, code: null, stdout: '', stderr: String(e), problems: [String(e)] }));
    child.on('close', (code) => {
      const [stdout, stderr] = [read('stdout'), read('stderr')];
      const tolerated = differences(tool).map((d) => d.tolerate).filter((r): r is RegExp => r !== undefined);
      const problems = stderr.split('\n').filter((l) => l.trim() !== '' && !tolerated.some((r) => r.test(l)));
      resolve({ tool, command, code, stdout, stderr, problems });
    });
  }).finally(() => {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  });
}

const toolCache: Partial<Record<string, boolean>> = {};
/** Is this binary on PATH (or at this absolute path)? */
export function have(bin: string): boolean {
  toolCache[bin] ??= spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', bin]).status === 0;
  return toolCache[bin]!;
}

/** Files the check needs that Mailu's image has but the render does not produce. */
function nginxExtras(): Record<string, string> {
  const mime = '/etc/nginx/mime.types';
  return { [mime]: existsSync(mime) ? readFileSync(mime, 'utf8') : 'types { text/html html; }\n' };
}

/** `nginx -t -c /etc/nginx/nginx.conf` on front's render. */
export async function nginxTest(front: MailuRender): Promise<CheckResult> {
  const m = materialize(front, 'nginx', nginxExtras());
  try {
    return await run('nginx', 'nginx', ['-t', '-q', '-c', m.path('/etc/nginx/nginx.conf')]);
  } finally {
    m.cleanup();
  }
}

/** `postconf -n` and `postconf -M` on smtp's render (both must be clean). */
export async function postconfCheck(smtp: MailuRender): Promise<CheckResult[]> {
  const m = materialize(smtp, 'postconf');
  try {
    const dir = m.path('/etc/postfix');
    return await Promise.all([run('postconf', 'postconf', ['-c', dir, '-n']), run('postconf', 'postconf', ['-c', dir, '-M'])]);
  } finally {
    m.cleanup();
  }
}

/** `doveconf -n -c <file>`: front's proxy config (/etc/dovecot/proxy.conf) or imap's (/etc/dovecot/dovecot.conf). */
export async function doveconfCheck(out: MailuRender, file: string): Promise<CheckResult> {
  const m = materialize(out, 'doveconf');
  try {
    return await run('doveconf', 'doveconf', ['-n', '-c', m.path(file)]);
  } finally {
    m.cleanup();
  }
}
