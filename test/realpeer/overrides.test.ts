// overrides.*: Mailu's own start-up scripts (vendored, unchanged) pick up the files we mount, and
// the daemons then run with them. Each container's /overrides is built from the synthesized
// objects as the kubelet builds it (mounted-files.ts); the script runs in the sandbox; then:
//   postfix   the `postconf -e/-Me` commands the script issued are replayed through the shell
//             on the rendered main.cf/master.cf, and `postconf -n/-M` shows the overrides; the
//             map is built with the real postmap and answers a lookup
//   dovecot   `doveconf -n` on the rendered dovecot.conf (which includes /overrides) shows them
//   nginx     `nginx -T` on front's render (beside the MTA-STS file we write) shows the include
//   rspamd    the script copied/left the files as Mailu does, and `rspamadm configdump` on the
//             rendered local.d merges them
//   roundcube config.inc.php (Mailu's template) includes every .inc/.inc.php of /overrides
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cfg, render } from '../support/chart-helpers.js';
import { doveconfCheck, have, materialize, nginxTest } from '../support/mailu/checkers.js';
import { containerView, resolvConf, secretMountFiles, serviceHosts } from '../support/mailu/effective-env.js';
import { mountedFiles } from '../support/mailu/mounted-files.js';
import { type MailuRender, MAILU_FIXTURE, mailuPython, renderDovecot, renderFront, renderPostfix, renderRspamd, runInSandbox } from '../support/mailu/render.js';
import { messageAt } from '../support/config-issues.js';
import { configdump, rspamdConfDir } from '../support/mailu/rspamd.js';

const python = mailuPython();
const skip = python.ok ? false : `${python.reason}: Mailu's start-up scripts not run`;

const POSTFIX_CF = 'smtpd_banner = \\$myhostname ESMTP mailu-k8s-override\nmaximal_queue_lifetime = 3d\n# a comment Mailu skips\n';
const POSTFIX_MASTER = 'k8sprobe/unix = k8sprobe unix - n n - - pipe flags=R user=nobody argv=/bin/true\n';
const USER_NGINX = { 'my-nginx': { 'k8s-probe.conf': 'location = /k8s-override-probe {\n  return 204;\n}\n' } };

const r = render(cfg({
  dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: true } },
  domains: [{ name: 'example.net', mtaSts: { mode: 'enforce' } }],
  overrides: {
    postfix: { 'postfix.cf': POSTFIX_CF, 'postfix.master': POSTFIX_MASTER, 'k8s-senders.map': 'boss@example.com OK\n' },
    dovecot: { 'dovecot.conf': 'protocol imap {\n  mail_max_userip_connections = 42\n}\n' },
    rspamd: { 'greylist.conf': 'expire = 3d;\n', 'antivirus.conf': 'clamav {\n  log_clean = true;\n}\n' },
    nginx: { configMap: 'my-nginx' },
    roundcube: { 'k8s.inc.php': "<?php\n$config['product_name'] = 'K8s Mail';\n", 'notes.txt.inc': "<?php\n" },
  },
}));
const hosts = serviceHosts(r);

async function renderOf(component: 'smtp' | 'imap' | 'antispam' | 'front', fn: typeof renderPostfix, extra: Record<string, string> = {}): Promise<MailuRender> {
  const view = containerView(r, component);
  const files = { ...mountedFiles(r, component, '/overrides', USER_NGINX), ...extra };
  return fn(view.env, { hosts, resolvConf: resolvConf(view), files, keep: true });
}

/** Runs a tool with its output in files, not pipes (nginx opens /dev/stderr itself). */
function run(cmd: string, args: string[]): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tool-out-'));
  try {
    const res = spawnSync('sh', ['-c', '"$@" >"$0/out" 2>&1', dir, cmd, ...args]);
    return { code: res.status, out: readFileSync(join(dir, 'out'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('postfix: postfix.cf and postfix.master lines reach postconf, maps are postmap\'ed', { skip }, async (t) => {
  const out = await renderOf('smtp', renderPostfix);
  t.after(() => out.cleanup());
  const postconf = out.commands.filter((c) => c.startsWith('os.system: postconf -e ') || c.startsWith('os.system: postconf -Me '));
  assert.equal(postconf.length, 3, `one command per line, comments skipped: ${postconf.join(' | ')}`);
  assert.ok(out.commands.includes('os.system: postmap /etc/postfix/k8s-senders.map'), out.commands.join('\n'));
  if (!have('postconf') || !have('postmap')) return t.skip('postfix not installed: the recorded postconf commands are not replayed');
  const m = materialize(out, 'postconf');
  t.after(() => m.cleanup());
  const dir = m.path('/etc/postfix');
  for (const c of postconf) {
    // Exactly what Mailu hands os.system, through the shell, on our rendered config.
    const res = spawnSync('sh', ['-c', c.slice('os.system: '.length).replace(/^postconf /, `postconf -c '${dir}' `)], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
  }
  const n = run('postconf', ['-c', dir, '-n']);
  assert.equal(n.code, 0, n.out);
  assert.match(n.out, /^smtpd_banner = \$myhostname ESMTP mailu-k8s-override$/m);
  assert.match(n.out, /^maximal_queue_lifetime = 3d$/m);
  const master = run('postconf', ['-c', dir, '-M']);
  assert.match(master.out, /^k8sprobe\s+unix\s+-\s+n\s+n\s+-\s+-\s+pipe flags=R user=nobody argv=\/bin\/true$/m);
  // The map as start.py builds it (its source is removed afterwards): postmap it and look it up.
  const map = join(dir, 'k8s-senders.map');
  writeFileSync(map, mountedFiles(r, 'smtp', '/overrides')['/overrides/k8s-senders.map']!);
  assert.equal(run('postmap', [`hash:${map}`]).code, 0);
  assert.equal(run('postmap', ['-q', 'boss@example.com', `hash:${map}`]).out.trim(), 'OK');
});

test('postfix: an unescaped $ would be the shell\'s, which is why the config refuses it', { skip: have('postconf') ? false : 'postfix not installed: postconf not run' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'postconf-shell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'main.cf'), '');
  writeFileSync(join(dir, 'master.cf'), '');
  spawnSync('sh', ['-c', `postconf -c '${dir}' -e "smtpd_banner = $myhostname ESMTP"`], { env: { PATH: process.env.PATH } });
  assert.doesNotMatch(run('postconf', ['-c', dir, '-n']).out, /\$myhostname/, 'the shell ate $myhostname');
  const msg = messageAt(cfg({ overrides: { postfix: { 'postfix.cf': 'smtpd_banner = $myhostname ESMTP\n' } } }), 'overrides.postfix.postfix.cf');
  assert.match(msg, /line 1: "\$" at column 16: .*write \\\$/);
});

test('dovecot: /overrides/dovecot.conf is included by Mailu\'s dovecot.conf (doveconf -n)', { skip }, async (t) => {
  const out = await renderOf('imap', renderDovecot);
  t.after(() => out.cleanup());
  assert.match(out.files['/etc/dovecot/dovecot.conf']!, /^!include_try \/overrides\/dovecot\.conf$/m);
  if (!have('doveconf')) return t.skip('doveconf not installed: the effective config not read');
  const res = await doveconfCheck(out, '/etc/dovecot/dovecot.conf');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /protocol imap \{[^}]*mail_max_userip_connections = 42/);
});

test('nginx: front includes our MTA-STS file and the user\'s ConfigMap, projected into one /overrides', { skip }, async (t) => {
  const view = containerView(r, 'front');
  const certs = secretMountFiles(view, 'mail.example.com');
  if (!certs) return t.skip('openssl not installed: without a certificate Mailu includes no /overrides (TLS_ERROR)');
  const out = await renderOf('front', renderFront, certs);
  t.after(() => out.cleanup());
  assert.deepEqual(Object.keys(mountedFiles(r, 'front', '/overrides', USER_NGINX)).sort(), ['/overrides/k8s-probe.conf', '/overrides/mta-sts.conf']);
  assert.match(out.files['/etc/nginx/nginx.conf']!, /include \/overrides\/\*\.conf;/);
  if (!have('nginx')) return t.skip('nginx not installed: the effective config not dumped');
  const check = await nginxTest(out);
  assert.deepEqual(check.problems, [], check.stderr);
  const m = materialize(out, 'nginx', { '/etc/nginx/mime.types': 'types { text/html html; }\n' });
  t.after(() => m.cleanup());
  const dump = run('nginx', ['-T', '-q', '-c', m.path('/etc/nginx/nginx.conf')]);
  assert.match(dump.out, /location = \/k8s-override-probe \{\s*return 204;/);
  assert.match(dump.out, /location = \/\.well-known\/mta-sts\.txt/);
  // One policy per mail domain, each in its own mode.
  assert.match(dump.out, /if \(\$host = "mta-sts\.example\.com"\) \{ return 200 "version: STSv1\\r\\nmode: testing/);
  assert.match(dump.out, /if \(\$host = "mta-sts\.example\.net"\) \{ return 200 "version: STSv1\\r\\nmode: enforce/);
});

test('rspamd: other names are copied into local.d, Mailu\'s own names merged through its .include', { skip }, async (t) => {
  const out = await renderOf('antispam', renderRspamd);
  t.after(() => out.cleanup());
  assert.equal(out.files['/etc/rspamd/local.d/greylist.conf'], 'expire = 3d;\n');
  assert.match(out.files['/etc/rspamd/local.d/antivirus.conf']!, /\.include\(try=true,priority=1,duplicate=merge\) "\/overrides\/antivirus\.conf"/);
  assert.doesNotMatch(out.files['/etc/rspamd/local.d/antivirus.conf']!, /log_clean = true/, 'Mailu renders its own file, not a copy of ours');
  if (!have('rspamadm')) return t.skip('rspamd not installed: rspamadm configdump not run');
  const conf = rspamdConfDir(out);
  t.after(() => rmSync(conf, { recursive: true, force: true }));
  assert.match(configdump(conf, 'greylist'), /^expire = 259200;$/m, 'our 3d, in seconds');
  assert.match(configdump(conf, 'antivirus'), /log_clean = true;/);
});

// Roundcube's start-up script is not vendored: its rule for /overrides (upstream webmails/start.py:
// every file ending in .inc or .inc.php, sorted, becomes an include) is applied here, and Mailu's
// own template renders the includes.
const ROUNDCUBE = `
import os, sys
from socrate import conf
context = dict(os.environ)
context["INCLUDES"] = sorted(f for f in os.listdir("/overrides") if f.endswith((".inc", ".inc.php")))
conf.jinja("/template/config.inc.php", context, "/rendered/config.inc.php")
`;

test('roundcube: config.inc.php includes each mounted .inc/.inc.php from /overrides', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'roundcube-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'render.py'), ROUNDCUBE);
  const view = containerView(r, 'webmail');
  const files = { ...mountedFiles(r, 'webmail', '/overrides'), '/template/config.inc.php': readFileSync(join(MAILU_FIXTURE, 'webmails/roundcube/config/config.inc.php'), 'utf8') };
  const out = await runInSandbox(join(dir, 'render.py'), view.env, { hosts, files });
  const rendered = out.files['/rendered/config.inc.php']!;
  const includes = [...rendered.matchAll(/^include\('([^']+)'\);$/gm)].map((x) => x[1]);
  assert.deepEqual(includes, ['/overrides/k8s.inc.php', '/overrides/notes.txt.inc']);
  for (const path of includes) assert.ok(out.files[path!], `${path} is mounted`);
});
