// Every address Mailu's components dial, read from what Mailu itself renders (nginx, postfix,
// dovecot, rspamd, Roundcube configs; podop's lookup URLs recorded by the harness) and, where the
// address is chosen in Python code at run time, from the vendored sources (admin's internal/nginx.py
// and models.py, fetchmail.py): each source-derived dial is found by a pattern in the vendored file,
// so a Mailu update that moves it makes the extraction fail instead of silently passing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dovecotPlugin, nginxAll, nginxBlock, parseDovecot, parseMainCf, parseNginx } from './conf-parsers.js';
import { MAILU_FIXTURE, type MailuRender } from './render.js';

export interface Dialed {
  /** Component that opens the connection. */
  from: string;
  host: string;
  port: number;
  /** Where the dial was found (file and setting), for failure messages. */
  where: string;
}

/** "host", "host:port", "[v6]:port" → host and port (default when absent). */
export function hostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:/]*)(?::(\d+))?$/.exec(s.trim());
  if (!m) throw new Error(`cannot read host[:port] ${JSON.stringify(s)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
}

function fromUrl(from: string, url: string, where: string, defaultPort: number): Dialed {
  const m = /^[a-z]+:\/\/([^/]*)/.exec(url);
  if (!m) throw new Error(`${where}: not a URL: ${url}`);
  return { from, ...hostPort(m[1]!, defaultPort), where };
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';

function need(files: Record<string, string>, path: string): string {
  const text = files[path];
  if (text === undefined) throw new Error(`render has no ${path}`);
  return text;
}

/** Render records: podop's lookup URLs and rspamd's wait on admin. */
function recordedDials(from: string, out: MailuRender): Dialed[] {
  return out.dials.map((d) => fromUrl(from, d.target, `${d.kind} (recorded)`, 80));
}

/** front: nginx upstream variables, the auth server, the Lua passdb, the submission relay. */
export function frontDials(front: MailuRender): Dialed[] {
  const out: Dialed[] = [];
  const conf = parseNginx(need(front.files, '/etc/nginx/nginx.conf'));
  for (const server of nginxAll(nginxBlock(conf, 'http'), 'server')) {
    for (const set of nginxAll(server.block, 'set')) {
      const [name, value] = set.args;
      out.push({ from: 'front', ...hostPort(value!, 80), where: `nginx.conf set ${name}` });
    }
    for (const loc of nginxAll(server.block, 'location')) {
      for (const pp of nginxAll(loc.block, 'proxy_pass').filter((d) => !d.args[0]!.includes('$'))) {
        out.push(fromUrl('front', pp.args[0]!, `nginx.conf location ${loc.args.join(' ')} proxy_pass`, 80));
      }
    }
  }
  for (const auth of nginxAll(nginxBlock(conf, 'mail'), 'auth_http')) out.push(fromUrl('front', auth.args[0]!, 'nginx.conf mail auth_http', 80));
  const lua = need(front.files, '/etc/dovecot/login.lua');
  for (const m of lua.matchAll(/url\s*=\s*"([^"]+)"/g)) out.push(fromUrl('front', m[1]!, 'login.lua passdb url', 80));
  const proxy = parseDovecot(need(front.files, '/etc/dovecot/proxy.conf')).settings;
  if (proxy.submission_relay_host !== undefined) {
    out.push({ from: 'front', host: proxy.submission_relay_host, port: Number(proxy.submission_relay_port ?? '25'), where: 'proxy.conf submission_relay_host' });
  }
  if (proxy.submission_host !== undefined) out.push({ from: 'front', ...hostPort(proxy.submission_host, 25), where: 'proxy.conf submission_host' });
  return out.filter((d) => !isLoopback(d.host));
}

/** smtp: LMTP transport and milter (inet:host:port in any main.cf value), podop. The relayhost is external. */
export function smtpDials(smtp: MailuRender): Dialed[] {
  const out: Dialed[] = [];
  const main = parseMainCf(need(smtp.files, '/etc/postfix/main.cf'));
  for (const [name, value] of Object.entries(main)) {
    for (const m of value.matchAll(/(?:^|[\s,])(?:lmtp:)?inet:(\[[^\]]*\]|[^\s,:]*):(\d+)/g)) {
      out.push({ from: 'smtp', host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), where: `main.cf ${name}` });
    }
  }
  return [...out, ...recordedDials('smtp', smtp)];
}

/** imap: the submission host (sieve redirects, vacation), the Tika URL, podop. */
export function imapDials(imap: MailuRender): Dialed[] {
  const conf = parseDovecot(need(imap.files, '/etc/dovecot/dovecot.conf'));
  const out: Dialed[] = [];
  if (conf.settings.submission_host !== undefined) out.push({ from: 'imap', ...hostPort(conf.settings.submission_host, 25), where: 'dovecot.conf submission_host' });
  const tika = dovecotPlugin(conf).fts_tika;
  if (tika !== undefined) out.push(fromUrl('imap', tika, 'dovecot.conf plugin fts_tika', 80));
  return [...out, ...recordedDials('imap', imap)];
}

/** antispam: `servers = "…"` (Redis default port 6379) and every http:// URL in rspamd's local.d. */
export function antispamDials(rspamd: MailuRender): Dialed[] {
  const out: Dialed[] = [];
  for (const [path, text] of Object.entries(rspamd.files).filter(([p]) => p.startsWith('/etc/rspamd/local.d/'))) {
    const file = path.split('/').pop()!;
    for (const m of text.matchAll(/^\s*servers\s*=\s*"([^"]*)"/gm)) {
      for (const s of m[1]!.split(',')) out.push({ from: 'antispam', ...hostPort(s, 6379), where: `${file} servers` });
    }
    for (const m of text.matchAll(/"(https?:\/\/[^"]+)"/g)) out.push(fromUrl('antispam', m[1]!, `${file} url`, 80));
  }
  return [...out, ...recordedDials('antispam', rspamd)];
}

/** webmail (Roundcube): IMAP, SMTP and ManageSieve hosts (tls://host:port). */
export function webmailDials(roundcube: MailuRender): Dialed[] {
  const text = need(roundcube.files, '/rendered/config.inc.php');
  const out: Dialed[] = [];
  for (const m of text.matchAll(/\$config\['(\w+_host)'\]\s*=\s*'([^']+)'/g)) out.push(fromUrl('webmail', m[2]!, `config.inc.php ${m[1]}`, 143));
  if (out.length < 3) throw new Error(`config.inc.php: expected imap/smtp/managesieve hosts, found ${out.length}`);
  return out;
}

function vendored(path: string): string {
  return readFileSync(join(MAILU_FIXTURE, path), 'utf8');
}

function envHost(env: Record<string, string>, name: string, where: string): string {
  const v = env[name];
  if (v === undefined) throw new Error(`${where} reads ${name}, which the container's environment does not set`);
  return v;
}

/**
 * Dials decided in Python at run time, with the env of the component that runs the code:
 * front's mail proxy backends (admin's internal/nginx.py answers nginx's and Dovecot's auth with
 * Auth-Server/Auth-Port; front then connects there), admin's own LMTP delivery and Redis, fetchmail.
 */
export function sourceDials(envOf: (component: string) => Record<string, string> | undefined): Dialed[] {
  const out: Dialed[] = [];
  const frontEnv = envOf('front');
  const nginxPy = vendored('core/admin/mailu/internal/nginx.py');
  const backends = [...nginxPy.matchAll(/hostname, port = app\.config\['(\w+_ADDRESS)'\], (\d+)/g)];
  if (backends.length < 5) throw new Error('internal/nginx.py: get_server() backends not found; update dials.ts');
  if (frontEnv) {
    for (const m of backends) out.push({ from: 'front', host: envHost(frontEnv, m[1]!, 'internal/nginx.py'), port: Number(m[2]), where: `internal/nginx.py get_server ${m[1]}` });
  }
  const adminEnv = envOf('admin');
  if (adminEnv) {
    const lmtp = /smtplib\.LMTP\(host=app\.config\['(\w+_ADDRESS)'\], port=(\d+)\)/.exec(vendored('core/admin/mailu/models.py'));
    if (!lmtp) throw new Error('models.py: sendmail LMTP dial not found; update dials.ts');
    out.push({ from: 'admin', host: envHost(adminEnv, lmtp[1]!, 'models.py'), port: Number(lmtp[2]), where: 'models.py User.sendmail LMTP' });
    if (!/redis:\/\/\{self\.config\["REDIS_ADDRESS"\]\}/.test(vendored('core/admin/mailu/configuration.py'))) {
      throw new Error('configuration.py: Redis URL not found; update dials.ts');
    }
    out.push({ from: 'admin', ...hostPort(envHost(adminEnv, 'REDIS_ADDRESS', 'configuration.py'), 6379), where: 'configuration.py redis:// (sessions, rate limits)' });
    out.push(...databaseDials(adminEnv));
  }
  const fetchEnv = envOf('fetchmail');
  if (fetchEnv) out.push(...fetchmailDials(fetchEnv));
  return out;
}

/** admin's SQLAlchemy URL: postgresql://…@{DB_HOST}/… (host:port, default 5432; MySQL 3306). */
function databaseDials(env: Record<string, string>): Dialed[] {
  const flavor = env.DB_FLAVOR ?? 'sqlite';
  if (flavor === 'sqlite') return [];
  const template = new RegExp(`'${flavor}': '[a-z+]+://\\{DB_USER\\}:\\{DB_PW\\}@\\{DB_HOST\\}/\\{DB_NAME\\}'`);
  if (!template.test(vendored('core/admin/mailu/configuration.py'))) throw new Error(`configuration.py: no ${flavor} URL template; update dials.ts`);
  const where = `configuration.py DB_TEMPLATES ${flavor}`;
  return [{ from: 'admin', ...hostPort(envHost(env, 'DB_HOST', where), flavor === 'mysql' ? 3306 : 5432), where }];
}

function fetchmailDials(env: Record<string, string>): Dialed[] {
  const src = vendored('optional/fetchmail/fetchmail.py');
  const checks = [
    /http:\/\/\{os\.environ\['ADMIN_ADDRESS'\]\}:8080\/internal\/fetch/,
    /os\.environ\["FRONT_ADDRESS"\]\}\/2525'/,
    /os\.environ\["HOSTNAMES"\]\.split\(","\)\[0\]\}' if fetch\['scan'\] and os\.environ\.get\('PROXY_PROTOCOL_25', False\)/,
  ];
  if (!checks.every((re) => re.test(src))) throw new Error('fetchmail.py: dial expressions changed; update dials.ts');
  // fetchmail.py calls socrate's set_env(), whose clean_env() sets PROXY_PROTOCOL_25 exactly when
  // PROXY_PROTOCOL names port 25 or a group containing it.
  const proxy25 = (env.PROXY_PROTOCOL ?? '').split(',').some((p) => ['25', 'mail', 'all', 'all-but-http'].includes(p.trim()));
  const scanned = proxy25 ? env.HOSTNAMES!.split(',')[0]! : env.FRONT_ADDRESS!;
  return [
    { from: 'fetchmail', ...hostPort(env.ADMIN_ADDRESS!, 8080), where: 'fetchmail.py GET /internal/fetch' },
    { from: 'fetchmail', host: env.FRONT_ADDRESS!, port: 2525, where: 'fetchmail.py smtphost (unscanned: LMTP)' },
    { from: 'fetchmail', host: scanned, port: 25, where: 'fetchmail.py smtphost (scanned)' },
  ];
}
