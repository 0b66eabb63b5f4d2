// The real-peer harness itself: the sandbox keeps scripts in, records instead of running, has no
// network; the effective environment follows the kubelet's rules; the checkers do fail on bad
// configs (so a passing real-peer case means something).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BASE, Rendered, render } from '../support/chart-helpers.js';
import { DEBIAN_DIFFERENCES, doveconfCheck, have, nginxTest, postconfCheck } from '../support/mailu/checkers.js';
import { containerView, expandRefs, opensslAvailable, secretMountFiles, throwawaySecret } from '../support/mailu/effective-env.js';
import { type MailuRender, mailuPython, renderDovecot, renderFront, renderPostfix, runInSandbox } from '../support/mailu/render.js';

const python = mailuPython();
const skipPython = python.ok ? false : `${python.reason}: sandbox not exercised`;

const PROBE = `
import json, os, socket, subprocess, sys
port, marker = int(sys.argv[1]), sys.argv[2]
res = {}
try:
    open("/harness-outside-probe", "w")
    res["write_outside"] = "allowed"
except PermissionError:
    res["write_outside"] = "refused"
with open("/etc/nginx/probe.conf", "w") as f:
    f.write("mapped")
res["exists_mapped"] = os.path.exists("/etc/nginx/probe.conf")
os.system("touch " + marker)
subprocess.run(["touch", marker])
for how in ("create_connection", "connect"):
    try:
        if how == "connect":
            socket.socket().connect(("127.0.0.1", port))
        else:
            socket.create_connection(("127.0.0.1", port))
        res[how] = "connected"
    except ConnectionRefusedError:
        res[how] = "refused"
res["known"] = socket.getaddrinfo("svc.test.local", 80)[0][4][0]
try:
    socket.getaddrinfo("example.org", 80)
    res["unknown"] = "resolved"
except socket.gaierror:
    res["unknown"] = "failed"
with open("/rendered/probe.json", "w") as f:
    json.dump(res, f)
`;

test('sandbox: writes stay in, commands are recorded not run, no network, names only from the host table', { skip: skipPython }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-harness-'));
  const server = createServer((s) => s.destroy());
  let accepted = 0;
  server.on('connection', () => accepted++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const marker = join(dir, 'marker');
    writeFileSync(join(dir, 'probe.py'), PROBE);
    const out = await runInSandbox(join(dir, 'probe.py'), {}, { argv: [String(port), marker], hosts: { 'svc.test.local': '127.0.100.9' } });
    assert.deepEqual(JSON.parse(out.files['/rendered/probe.json']!), {
      write_outside: 'refused', exists_mapped: true, create_connection: 'refused', connect: 'refused', known: '127.0.100.9', unknown: 'failed',
    });
    assert.equal(out.files['/etc/nginx/probe.conf'], 'mapped');
    assert.equal(existsSync(marker), false, 'os.system / subprocess did not run');
    assert.deepEqual(out.commands, [`os.system: touch ${marker}`, `subprocess.run: touch ${marker}`]);
    assert.equal(accepted, 0, 'no connection reached the listening socket');
    assert.equal(existsSync('/harness-outside-probe'), false);
    assert.equal(existsSync(out.dir), false, 'sandbox removed');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing script rejects with its error', { skip: skipPython }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-harness-'));
  try {
    writeFileSync(join(dir, 'fail.py'), 'raise ValueError("boom")\n');
    await assert.rejects(runInSandbox(join(dir, 'fail.py'), {}), /ValueError: boom/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ effective environment

function synthetic(objects: unknown[]): Rendered {
  return new Rendered({ objects, chart: { config: { instance: 'x', namespace: 'n' } }, files: {}, warnings: [] } as never);
}

test('effective env: envFrom in order, then env (later wins), $(VAR) expanded, secrets replaced', () => {
  const pod = {
    containers: [{
      name: 'c',
      envFrom: [{ configMapRef: { name: 'a' } }, { configMapRef: { name: 'b' }, prefix: 'B_' }, { configMapRef: { name: 'a' } }],
      env: [
        { name: 'ONE', value: 'env-one' },
        { name: 'REF', value: 'x-$(ONE)-$(MISSING)-$$(ONE)' },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'b', key: 'TWO' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'b', key: 'nope', optional: true } } },
        { name: 'ONE', value: 'last-one' },
      ],
    }],
  };
  const r = synthetic([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { ONE: 'cm-one', TWO: 'a-two' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { TWO: 'b-two' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x-comp' }, spec: { template: { metadata: { labels: {} }, spec: pod } } },
  ]);
  const v = containerView(r, 'comp');
  assert.deepEqual(v.env, {
    ONE: 'last-one', TWO: 'a-two', B_TWO: 'b-two', REF: 'x-env-one-$(MISSING)-$(ONE)', PW: throwawaySecret('s', 'k'), FROM_CM: 'b-two',
  });
  assert.deepEqual(v.fromSecrets, { PW: { secret: 's', key: 'k' } });
  assert.equal(expandRefs('$(A)$(A)', { A: 'z' }), 'zz');
});

test('effective env of the generated front: shared ConfigMap, the secret key, the TLS mount, the resolver', () => {
  const r = render(BASE);
  const v = containerView(r, 'front');
  assert.equal(v.env.DOMAIN, 'example.com');
  assert.equal(v.env.SECRET_KEY, throwawaySecret(`${r.instance}-secret-key`, 'secret-key'));
  assert.ok(v.mounts.some((m) => m.mountPath === '/certs' && m.source.kind === 'secret'));
  assert.equal(v.nameservers.length, 1);
  const files = secretMountFiles(v, 'mail.example.com');
  if (!opensslAvailable()) return assert.equal(files, undefined);
  assert.match(files!['/certs/tls.crt']!, /BEGIN CERTIFICATE/);
  assert.match(files!['/certs/tls.key']!, /PRIVATE KEY/);
});

// ------------------------------------------------------------------ checkers fail on bad input

function edit(out: MailuRender, path: string, f: (t: string) => string): MailuRender {
  return { ...out, files: { ...out.files, [path]: f(out.files[path]!) } };
}

test('checkers reject broken configs (negative controls)', { skip: skipPython }, async (t) => {
  const r = render(BASE);
  const front = containerView(r, 'front');
  const [fr, smtp, imap] = await Promise.all([
    renderFront(front.env, { files: secretMountFiles(front, 'mail.example.com') ?? {} }),
    renderPostfix(containerView(r, 'smtp').env),
    renderDovecot(containerView(r, 'imap').env),
  ]);
  await t.test('nginx -t', { skip: have('nginx') ? false : 'nginx not installed: negative control not run' }, async () => {
    assert.equal((await nginxTest(fr)).code, 0);
    const bad = await nginxTest(edit(fr, '/etc/nginx/nginx.conf', (s) => s.replace('listen 25', 'listen 25 no_such_flag')));
    assert.notEqual(bad.code, 0);
    assert.ok(bad.problems.length > 0);
  });
  await t.test('postconf warnings count', { skip: have('postconf') ? false : 'postconf not installed: negative control not run' }, async () => {
    assert.deepEqual((await postconfCheck(smtp)).flatMap((c) => c.problems), []);
    const bad = await postconfCheck(edit(smtp, '/etc/postfix/main.cf', (s) => `${s}mynetwork = 10.0.0.0/8\n`));
    assert.match(bad.flatMap((c) => c.problems).join('\n'), /unused parameter: mynetwork=/);
  });
  await t.test('doveconf', { skip: have('doveconf') ? false : 'doveconf not installed: negative control not run' }, async () => {
    assert.equal((await doveconfCheck(imap, '/etc/dovecot/dovecot.conf')).code, 0);
    const bad = await doveconfCheck(edit(imap, '/etc/dovecot/dovecot.conf', (s) => `${s}\nno_such_setting = 1\n`), '/etc/dovecot/dovecot.conf');
    assert.notEqual(bad.code, 0);
  });
});

test('every Debian difference says why and changes something only where it applies', () => {
  for (const d of DEBIAN_DIFFERENCES) {
    assert.ok(d.reason.length > 40, `${d.tool}: a reason`);
    assert.ok(d.adapt || d.tolerate, `${d.tool}: adapts or tolerates something specific`);
  }
  const user = DEBIAN_DIFFERENCES.find((d) => d.reason.includes('user nginx'))!;
  assert.equal(user.adapt!('user nginx;\nworker_processes auto;'), 'user www-data;\nworker_processes auto;');
  const http2 = DEBIAN_DIFFERENCES.find((d) => d.reason.includes('http2 on'))!;
  assert.equal(http2.adapt!('  http2 on;\n  listen 443 ssl;'), '\n  listen 443 ssl;');
});
