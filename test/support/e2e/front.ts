// Runs front as Mailu renders it: the nginx and dovecot configs written by Mailu's own config.py
// (test/support/mailu/render.ts), started as real processes on loopback. The harness changes only
// what a test process cannot have, each change listed in HARNESS_CHANGES and required to match
// (a Mailu change that moves a directive fails loudly instead of being silently skipped):
//   ports      every listen port → a free high port on 127.0.0.1 (`listen 25` → `listen 127.0.0.1:P`,
//              dovecot `listen = *` → 127.0.0.1 and each `port = N` → P); IPv6 listeners dropped
//   peers      admin's Service FQDN:8080 → our admin stand-in, the pod's resolver → our DNS server
//   paths      container paths (/etc/nginx, /etc/dovecot, /conf, /certs, /overrides) → the render
//              sandbox; pid and dovecot's runtime directories → the harness directory
//   process    `user nginx;` dropped (no such user here); `http2 on;` dropped (an nginx ≥ 1.25
//              directive; Debian's 1.22 lacks it and HTTP/2 has no bearing on client addresses);
//              load_module takes Debian's module path; without root, dovecot's service users
//              become the current user and its services do not chroot
// Nothing that decides trust (proxy_protocol, set_real_ip_from, real_ip_header, haproxy = yes,
// haproxy_trusted_networks, the proxy.conf headers) is touched.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { MailuRender } from '../mailu/render.js';
import { type Daemon, findExecutable, freePorts, startDaemon, waitForPorts } from './processes.js';

export const NGINX = '/usr/sbin/nginx';
export const NGINX_MAIL_MODULE = '/usr/lib/nginx/modules/ngx_mail_module.so';
export const DOVECOT = '/usr/sbin/dovecot';
const DOVECONF = '/usr/bin/doveconf';
const DEBIAN_MIME_TYPES = '/etc/nginx/mime.types';
const DOVECOT_LIBEXEC = '/usr/lib/dovecot';
/** What front's proxy.conf needs from Debian's dovecot packages (protocols + lua passdb). */
const DOVECOT_PARTS = ['imap-login', 'pop3-login', 'managesieve-login', 'submission-login', 'lmtp', 'modules/auth/libauthdb_lua.so'];

/** Why front's nginx cannot run here, or undefined when it can. */
export function nginxMissing(): string | undefined {
  if (!findExecutable(NGINX)) return `nginx not installed (${NGINX})`;
  if (!existsSync(NGINX_MAIL_MODULE)) return `nginx mail module not installed (${NGINX_MAIL_MODULE}, libnginx-mod-mail)`;
  return undefined;
}

/** Why front's dovecot proxy cannot run here, or undefined when it can. */
export function dovecotMissing(): string | undefined {
  if (!findExecutable(DOVECOT) || !findExecutable(DOVECONF)) return `dovecot not installed (${DOVECOT}, ${DOVECONF})`;
  const missing = DOVECOT_PARTS.filter((p) => !existsSync(join(DOVECOT_LIBEXEC, p)));
  return missing.length === 0
    ? undefined
    : `dovecot parts missing: ${missing.join(', ')} (dovecot-imapd, -pop3d, -managesieved, -submissiond, -lmtpd, -auth-lua)`;
}

export interface FrontOptions {
  /** Port of the admin stand-in (replaces admin's Service FQDN:8080). */
  adminPort: number;
  /** Port of the DNS server on 127.0.0.1 that nginx's resolver asks (PTR of mail clients). */
  dnsPort: number;
  /** Start dovecot too (front's IMAP/POP3/submission/sieve proxy). */
  dovecot: boolean;
}

export interface RunningFront {
  /** Container port (25, 993, 80, 8000, …) → the port it listens on here (127.0.0.1). */
  ports: Map<number, number>;
  nginx: Daemon;
  dovecot: Daemon | undefined;
  /** The harness copies, for failure messages. */
  configs: { nginx: string; dovecot?: string; lua?: string };
}

/** One required substitution: throws when the pattern no longer matches Mailu's output. */
function must(text: string, re: RegExp, by: string | ((...m: string[]) => string), what: string): string {
  if (!re.test(text)) throw new Error(`harness: ${what} not found in Mailu's rendered config (pattern ${re})`);
  re.lastIndex = 0;
  return text.replace(re, by as string);
}

/** Container path → where the render sandbox holds it. */
function sandboxPaths(text: string, dir: string): string {
  return text.replace(/(^|[\s<"'])(\/(?:etc\/nginx|etc\/dovecot|conf|certs|overrides)\/)/gm, (_m, pre: string, p: string) => `${pre}${join(dir, p)}/`);
}

function listenPortsOf(nginxConf: string, dovecotConf: string | undefined): number[] {
  const ports = new Set<number>();
  for (const m of nginxConf.matchAll(/^\s*listen\s+(?:127\.0\.0\.1:)?(\d+)\b/gm)) ports.add(Number(m[1]));
  for (const m of (dovecotConf ?? '').matchAll(/^\s*port\s*=\s*(\d+)\s*$/gm)) if (m[1] !== '0') ports.add(Number(m[1]));
  return [...ports].sort((a, b) => a - b);
}

function adminFqdn(nginxConf: string): string {
  const m = /set \$admin ([^\s:;]+):8080;/.exec(nginxConf);
  if (!m) throw new Error('harness: `set $admin <address>:8080;` not found in nginx.conf');
  return m[1]!;
}

function harnessNginx(r: MailuRender, ports: Map<number, number>, o: FrontOptions, runDir: string): string {
  let s = r.files['/etc/nginx/nginx.conf']!;
  const admin = adminFqdn(s);
  s = must(s, /^\s*user\s+nginx;\s*$/m, '', 'user directive');
  s = must(s, /^\s*http2 on;\s*$/gm, '', 'http2 directive');
  s = must(s, /pid \/var\/run\/nginx\.pid;/, `pid ${join(runDir, 'nginx.pid')};`, 'pid');
  s = must(s, /load_module "modules\/ngx_mail_module\.so";/, `load_module "${NGINX_MAIL_MODULE}";`, 'load_module');
  s = must(s, /^(\s*)resolver \S+ /gm, (_m, ind: string) => `${ind}resolver 127.0.0.1:${o.dnsPort} `, 'resolver');
  s = must(s, new RegExp(`set \\$admin ${admin.replace(/\./g, '\\.')}:8080;`, 'g'), `set $admin 127.0.0.1:${o.adminPort};`, 'admin address');
  s = must(s, /auth_http http:\/\/127\.0\.0\.1:8000\//, `auth_http http://127.0.0.1:${ports.get(8000)}/`, 'auth_http');
  s = s.replace(/^\s*listen\s+\[::\]:.*$/gm, '');
  s = must(s, /^(\s*listen\s+)(?:127\.0\.0\.1:)?(\d+)\b/gm, (_m, pre: string, p: string) => `${pre}127.0.0.1:${ports.get(Number(p))}`, 'listen');
  return sandboxPaths(s, r.dir);
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

function harnessDovecot(r: MailuRender, ports: Map<number, number>, runDir: string, luaPath: string): string {
  let s = r.files['/etc/dovecot/proxy.conf']!;
  s = must(s, /^listen = .*$/m, 'listen = 127.0.0.1', 'listen');
  s = must(s, /^(\s*port\s*=\s*)(\d+)\s*$/gm, (_m, pre: string, p: string) => `${pre}${p === '0' ? 0 : ports.get(Number(p))}`, 'inet_listener ports');
  s = must(s, /file=\/etc\/dovecot\/login\.lua/, `file=${luaPath}`, 'login.lua path');
  s = sandboxPaths(s, r.dir);
  if (process.getuid?.() !== 0) {
    // Unprivileged, dovecot can only "switch" to the user and group it already has.
    const me = userInfo().username;
    const group = groupName(userInfo().gid);
    s = s.replace(/^(default_internal_user|default_login_user)\s*=.*$/gm, `$1 = ${me}`);
    s = s.replace(/^(default_internal_group)\s*=.*$/gm, `$1 = ${group}`);
    s = s.replace(/^(\s*user\s*=\s*)dovenull\s*$/gm, `$1${me}`);
    s = s.replace(/^(\s*group\s*=\s*)dovenull\s*$/gm, `$1${group}`);
  }
  return `${s}\n# harness: runtime directories (the image uses /run/dovecot)\nbase_dir = ${join(runDir, 'dovecot')}\nstate_dir = ${join(runDir, 'dovecot-state')}\n`;
}

/**
 * What the harness config still needs, read from doveconf's view of it: dovecot's built-in
 * listeners that Mailu's config leaves at their defaults (pop3s 995 when 995 is not in PORTS, …)
 * get free ports too, so no fixed or privileged port is ever bound; and without root, services
 * that chroot by default (login processes, anvil) must not, as chroot needs root.
 */
async function dovecotOverrides(conf: string, mapped: Set<number>): Promise<string> {
  const out = execFileSync(DOVECONF, ['-c', conf, 'service'], { encoding: 'utf8' });
  const leftovers: Array<{ service: string; listener: string }> = [];
  const chroots = new Set<string>();
  let service = '';
  let listener = '';
  for (const line of out.split('\n')) {
    const svc = /^service (\S+) \{/.exec(line);
    const lis = /^\s+inet_listener (\S+) \{/.exec(line);
    const port = /^\s+port = (\d+)$/.exec(line);
    if (svc) service = svc[1]!;
    else if (lis) listener = lis[1]!;
    else if (port && port[1] !== '0' && !mapped.has(Number(port[1]))) leftovers.push({ service, listener });
    else if (/^  chroot = \S/.test(line)) chroots.add(service);
  }
  const ports = await freePorts(leftovers.length);
  const blocks = leftovers.map((l, i) =>
    `# harness: dovecot's default listener, not in Mailu's config\nservice ${l.service} {\n  inet_listener ${l.listener} {\n    port = ${ports[i]}\n  }\n}\n`);
  if (process.getuid?.() !== 0) {
    for (const svc of [...chroots].sort()) blocks.push(`# harness: no chroot without root\nservice ${svc} {\n  chroot =\n}\n`);
  }
  return blocks.join('');
}

function harnessLua(r: MailuRender, adminPort: number): string {
  return must(r.files['/etc/dovecot/login.lua']!, /http:\/\/[^/:"]+:8080\//, `http://127.0.0.1:${adminPort}/`, 'auth URL in login.lua');
}

/**
 * Starts nginx (and dovecot) from a kept render (`renderFront(env, { keep: true })`); both are
 * stopped when the test ends. Resolves once every listener accepts connections.
 */
export async function startFront(t: TestContext, r: MailuRender, o: FrontOptions): Promise<RunningFront> {
  const rendered = r.files['/etc/nginx/nginx.conf'];
  if (!rendered) throw new Error(`Mailu rendered no nginx.conf:\n${r.log}`);
  const dovecotConf = o.dovecot ? r.files['/etc/dovecot/proxy.conf'] : undefined;
  const wanted = listenPortsOf(rendered, dovecotConf);
  const free = await freePorts(wanted.length);
  const ports = new Map(wanted.map((p, i) => [p, free[i]!]));

  // Dovecot's unprivileged workers (auth-worker reads login.lua) must traverse these directories.
  const runDir = join(r.dir, 'harness');
  mkdirSync(join(runDir, 'nginx'), { recursive: true });
  chmodSync(r.dir, 0o755);
  chmodSync(runDir, 0o755);
  const configs: RunningFront['configs'] = { nginx: harnessNginx(r, ports, o, runDir) };
  for (const f of ['tls.conf', 'proxy.conf']) writeFileSync(join(r.dir, 'etc/nginx', f), sandboxPaths(r.files[`/etc/nginx/${f}`]!, r.dir));
  // The image's /etc/nginx/mime.types (nginx.conf includes it); Debian's nginx ships the same file.
  if (existsSync(DEBIAN_MIME_TYPES)) copyFileSync(DEBIAN_MIME_TYPES, join(r.dir, 'etc/nginx/mime.types'));
  const nginxConf = join(runDir, 'nginx.conf');
  writeFileSync(nginxConf, configs.nginx);
  const nginx = startDaemon(t, 'nginx', NGINX, ['-e', 'stderr', '-p', join(runDir, 'nginx'), '-c', nginxConf, '-g', 'daemon off;']);

  let dovecot: Daemon | undefined;
  if (dovecotConf) {
    const luaPath = join(runDir, 'login.lua');
    configs.lua = harnessLua(r, o.adminPort);
    writeFileSync(luaPath, configs.lua, { mode: 0o644 });
    configs.dovecot = harnessDovecot(r, ports, runDir, luaPath);
    const conf = join(runDir, 'dovecot.conf');
    writeFileSync(conf, configs.dovecot, { mode: 0o644 });
    configs.dovecot += await dovecotOverrides(conf, new Set(ports.values()));
    writeFileSync(conf, configs.dovecot, { mode: 0o644 });
    dovecot = startDaemon(t, 'dovecot', DOVECOT, ['-F', '-c', conf]);
  }
  const nginxPorts = listenPortsOf(rendered, undefined).map((p) => ports.get(p)!);
  await waitForPorts(nginx, '127.0.0.1', nginxPorts);
  if (dovecot) await waitForPorts(dovecot, '127.0.0.1', listenPortsOf('', dovecotConf).map((p) => ports.get(p)!));
  return { ports, nginx, dovecot, configs };
}
