// redis.auth against the real peers: the bundled Redis started with exactly the container's
// arguments and environment (the Secret a throwaway value) refuses clients without the password,
// while its probe and backup hook (redis-cli with REDISCLI_AUTH) pass; admin's Redis URLs, built by
// Mailu's own configuration.py from the REDIS_ADDRESS we give it, authenticate with redis-py (the
// client admin uses); rspamd's configdump shows the password in both sections Mailu points at Redis.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cfg, render } from '../support/chart-helpers.js';
import { have } from '../support/mailu/checkers.js';
import { containerView, expandRefs, resolvConf, serviceHosts, throwawaySecret } from '../support/mailu/effective-env.js';
import { mountedFiles } from '../support/mailu/mounted-files.js';
import { MAILU_FIXTURE, mailuPython, PYTHON, renderRspamd } from '../support/mailu/render.js';
import { configdump, rspamdConfDir } from '../support/mailu/rspamd.js';

const r = render(cfg({ redis: { mode: 'bundled', auth: { name: 'mailu-redis' } } }));
const PASSWORD = throwawaySecret('mailu-redis', 'password');
const redisPy = spawnSync(PYTHON, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** The bundled Redis as the kubelet would start it: the container's args, $(VAR)s expanded. */
async function startRedis(t: { after(fn: () => void): void }): Promise<{ port: number; env: Record<string, string> }> {
  const view = containerView(r, 'redis');
  const args = r.container('redis').args!.map((a) => expandRefs(a, view.env));
  assert.equal(args[0], 'redis-server');
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  const port = await freePort();
  const rest = args.slice(1).map((a) => (a === '/data' ? dir : a));
  const child: ChildProcess = spawn('redis-server', [...rest, '--port', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== '') break;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  return { port, env: view.env };
}

const cli = (port: number, env: Record<string, string>, ...cmd: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } }).stdout.trim();

test('bundled Redis requires the password; its probe and backup hook authenticate with REDISCLI_AUTH', { skip: have('redis-server') ? false : 'redis-server not installed: the bundled Redis not started' }, async (t) => {
  const { port, env } = await startRedis(t);
  assert.equal(env.REDISCLI_AUTH, PASSWORD);
  assert.match(cli(port, {}, 'ping'), /NOAUTH/);
  // The probe's command, as the kubelet runs it in the container (with its environment).
  const probe = r.container('redis').readinessProbe!.exec!.command!;
  const res = spawnSync(probe[0]!, [probe[1]!, probe[2]!.replace('redis-cli', `redis-cli -p ${port}`)], { env: { PATH: process.env.PATH, ...env } });
  assert.equal(res.status, 0, 'the probe passes with the password');
  const noAuth = spawnSync(probe[0]!, [probe[1]!, probe[2]!.replace('redis-cli', `redis-cli -p ${port}`)], { env: { PATH: process.env.PATH } });
  assert.notEqual(noAuth.status, 0, 'and would fail without it');
  assert.equal(cli(port, env, 'SAVE'), 'OK', 'the pre-backup hook (redis-cli SAVE) authenticates too');
});

// Mailu's configuration.py as admin runs it: ConfigManager().init_app() over the environment.
const ADMIN = `
import json, runpy, sys
ns = runpy.run_path(sys.argv[1])
class App: config = {}
ns["ConfigManager"]().init_app(App)
urls = {k: App.config[k] for k in ("SESSION_STORAGE_URL", "RATELIMIT_STORAGE_URL")}
import redis
out = {}
for name, url in urls.items():
    kw = redis.StrictRedis.from_url(url).connection_pool.connection_kwargs
    out[name] = {"url": url, "password": kw.get("password"), "host": kw.get("host"), "db": kw.get("db")}
    if len(sys.argv) > 2:
        out[name]["ping"] = redis.StrictRedis(host="127.0.0.1", port=int(sys.argv[2]), password=kw.get("password"), db=kw.get("db")).ping()
        try:
            redis.StrictRedis(host="127.0.0.1", port=int(sys.argv[2]), db=kw.get("db")).ping()
            out[name]["without"] = "accepted"
        except redis.exceptions.AuthenticationError:
            out[name]["without"] = "refused"
print(json.dumps(out))
`;

test('admin: the redis:// URLs Mailu builds from our REDIS_ADDRESS carry the password, and Redis takes it', { skip: !mailuPython().ok || !redisPy ? 'python3-jinja2/python3-redis not installed for /usr/bin/python3: configuration.py not run' : !have('redis-server') ? 'redis-server not installed' : false }, async (t) => {
  const { port } = await startRedis(t);
  const admin = containerView(r, 'admin');
  assert.equal(admin.env.REDIS_ADDRESS, `:${PASSWORD}@mailu-redis.mailu.svc.cluster.local`);
  const dir = mkdtempSync(join(tmpdir(), 'admin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'admin.py'), ADMIN);
  const res = spawnSync(PYTHON, ['-I', join(dir, 'admin.py'), join(MAILU_FIXTURE, 'core/admin/mailu/configuration.py'), String(port)], { encoding: 'utf8', env: admin.env });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout) as Record<string, { password: string; host: string; db: number; ping: boolean; without: string }>;
  for (const [name, db] of [['SESSION_STORAGE_URL', 3], ['RATELIMIT_STORAGE_URL', 2]] as const) {
    assert.deepEqual({ ...out[name], url: undefined }, { url: undefined, password: PASSWORD, host: 'mailu-redis.mailu.svc.cluster.local', db, ping: true, without: 'refused' }, name);
  }
});

test('rspamd: configdump shows the password in the redis and history_redis sections', { skip: !mailuPython().ok ? 'python3-jinja2 not installed: start.py not run' : !have('rspamadm') ? 'rspamd not installed: rspamadm configdump not run' : false }, async (t) => {
  const view = containerView(r, 'antispam');
  assert.equal(view.env.RSPAMD_redis_password, PASSWORD);
  const files = mountedFiles(r, 'antispam', '/etc/rspamd/override.d');
  assert.deepEqual(Object.keys(files).sort(), ['/etc/rspamd/override.d/history_redis.conf', '/etc/rspamd/override.d/redis.conf']);
  const out = await renderRspamd(view.env, { hosts: serviceHosts(r), resolvConf: resolvConf(view), files, keep: true });
  t.after(() => out.cleanup());
  const conf = rspamdConfDir(out);
  t.after(() => rmSync(conf, { recursive: true, force: true }));
  for (const section of ['redis', 'history_redis']) {
    const dump = configdump(conf, section, { RSPAMD_redis_password: PASSWORD });
    assert.match(dump, new RegExp(`^password = "${PASSWORD}";$`, 'm'), `${section}:\n${dump}`);
    assert.match(dump, /^servers = "mailu-redis\.mailu\.svc\.cluster\.local";$/m, section);
  }
  // Without the variable rspamd has no password: the Secret reaches it only through RSPAMD_redis_password.
  assert.doesNotMatch(configdump(conf, 'redis'), new RegExp(PASSWORD));
});
