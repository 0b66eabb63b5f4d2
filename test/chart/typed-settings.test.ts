// Typed Mailu settings: each field reaches the variable Mailu reads (names and meanings from Mailu
// 2024.06's configuration.py, start-up scripts and templates), is validated, and its variable can
// no longer be set through mailu.env. One config with every production knob synthesizes strictly
// valid objects with each knob where it belongs; bad values exit 2 through the CLI naming the field.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { assertValid, cfg, cli, ensureBuilt, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';
import { containerView } from '../support/mailu/effective-env.js';
import { mountedFiles } from '../support/mailu/mounted-files.js';

const env = (over: Partial<MailuConfigInput>) => render(cfg(over)).env();

describe('typed Mailu settings reach Mailu\'s variables', () => {
  it('welcome mail, quota, TLS, antivirus action, sessions, hashing rounds', () => {
    const e = env({
      components: { fetchmail: true },
      mailu: {
        welcome: { enabled: true, subject: 'Welcome aboard', body: 'Hello!\nYour mailbox is ready.' },
        defaultQuota: '5Gi',
        tls: { inbound: 'encrypt', outbound: 'dane-only' },
        antivirusAction: 'reject',
        sessionTimeout: '2h',
        sessionLifetime: '7d',
        credentialRounds: 14,
      },
      webmail: { roundcubePlugins: ['archive', 'managesieve'] },
      fetchmail: { delaySeconds: 300 },
    });
    assert.deepEqual(
      [e.WELCOME, e.WELCOME_SUBJECT, e.WELCOME_BODY, e.DEFAULT_QUOTA, e.INBOUND_TLS_ENFORCE, e.OUTBOUND_TLS_LEVEL, e.ANTIVIRUS_ACTION],
      ['true', 'Welcome aboard', 'Hello!\nYour mailbox is ready.', String(5 * 1024 ** 3), 'true', 'dane-only', 'reject'],
    );
    assert.deepEqual([e.SESSION_TIMEOUT, e.PERMANENT_SESSION_LIFETIME, e.CREDENTIAL_ROUNDS], ['7200', '604800', '14']);
    assert.deepEqual([e.ROUNDCUBE_PLUGINS, e.FETCHMAIL_DELAY], ['archive,managesieve', '300']);
  });

  it('left out, Mailu keeps its own defaults (nothing written), and fetchmail runs every 600 s', () => {
    const e = env({ components: { fetchmail: true } });
    for (const k of ['WELCOME', 'DEFAULT_QUOTA', 'INBOUND_TLS_ENFORCE', 'OUTBOUND_TLS_LEVEL', 'ANTIVIRUS_ACTION', 'SESSION_TIMEOUT', 'PERMANENT_SESSION_LIFETIME', 'CREDENTIAL_ROUNDS', 'ROUNDCUBE_PLUGINS']) {
      assert.equal(e[k], undefined, k);
    }
    assert.equal(e.FETCHMAIL_DELAY, '600');
    assert.equal(env({}).FETCHMAIL_DELAY, undefined, 'no fetchmail, no delay');
  });

  it('quota spellings: decimal and binary units, written in bytes', () => {
    assert.equal(env({ mailu: { defaultQuota: '1G' } }).DEFAULT_QUOTA, '1000000000');
    assert.equal(env({ mailu: { defaultQuota: '512Mi' } }).DEFAULT_QUOTA, String(512 * 1024 ** 2));
  });

  it('relay credentials: encrypt unless a stronger level is chosen; the DMARC report addresses stay typed', () => {
    const relay = { mode: 'relay', host: 'relay.example.net', secret: { name: 'relay' } } as const;
    assert.equal(env({ egress: relay }).OUTBOUND_TLS_LEVEL, 'encrypt');
    assert.equal(env({ egress: relay, mailu: { tls: { outbound: 'verify' } } }).OUTBOUND_TLS_LEVEL, 'verify');
    const e = env({ dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'dmarc@example.com', ruf: 'mailto:forensic@example.com' } } });
    assert.deepEqual([e.DMARC_RUA, e.DMARC_RUF], ['dmarc', 'forensic']);
  });
});

describe('refused, naming the field', () => {
  const cases: [string, Partial<MailuConfigInput>, string, RegExp][] = [
    ['welcome without a subject', { mailu: { welcome: { enabled: true, body: 'x' } } }, 'mailu.welcome.subject', /Dummy welcome topic/],
    ['a two-line subject', { mailu: { welcome: { enabled: true, subject: 'a\nb', body: 'x' } } }, 'mailu.welcome.subject', /one line/],
    ['a bare quota', { mailu: { defaultQuota: 1000 as never } }, 'mailu.defaultQuota', /bare number/],
    ['outbound none', { mailu: { tls: { outbound: 'none' } } }, 'mailu.tls.outbound', /clear text/],
    ['an unknown level', { mailu: { tls: { outbound: 'strict' } } }, 'mailu.tls.outbound', /one of may, dane, encrypt/],
    ['dane with relay credentials', { egress: { mode: 'relay', host: 'relay.example.net', secret: { name: 'r' } }, mailu: { tls: { outbound: 'dane' } } }, 'mailu.tls.outbound', /never travel in clear; use encrypt/],
    ['inbound none', { mailu: { tls: { inbound: 'none' as never } } }, 'mailu.tls.inbound', /may|encrypt/],
    ['antivirus action without antivirus', { components: { antivirus: false }, mailu: { antivirusAction: 'reject' } }, 'mailu.antivirusAction', /no antivirus runs/],
    ['a duration without unit text', { mailu: { sessionTimeout: 'two hours' } }, 'mailu.sessionTimeout', /not a duration/],
    ['a lifetime shorter than the timeout', { mailu: { sessionTimeout: '12h', sessionLifetime: '2h' } }, 'mailu.sessionLifetime', /shorter than mailu\.sessionTimeout/],
    ['too few hashing rounds', { mailu: { credentialRounds: 10 } }, 'mailu.credentialRounds', /at least 12/],
    ['too many hashing rounds', { mailu: { credentialRounds: 20 } }, 'mailu.credentialRounds', /at most 16/],
    ['plugins for SnappyMail', { components: { webmail: 'snappymail' }, webmail: { roundcubePlugins: ['archive'] } }, 'webmail.roundcubePlugins', /only Roundcube/],
    ['a plugin path', { webmail: { roundcubePlugins: ['../evil'] } }, 'webmail.roundcubePlugins[0]', /plugin name/],
    ['a fetchmail delay without fetchmail', { fetchmail: { delaySeconds: 300 } }, 'fetchmail.delaySeconds', /fetchmail does not run/],
    ['the variable through mailu.env', { mailu: { env: { FETCHMAIL_DELAY: '60' } } }, 'mailu.env.FETCHMAIL_DELAY', /configure fetchmail\.delaySeconds instead/],
  ];
  for (const [name, over, path, message] of cases) {
    it(name, () => assert.match(messageAt(cfg(over), path), message));
  }
});

// ------------------------------------------------------------------ every knob at once

const PROM = { 'app.kubernetes.io/name': 'prometheus' };
const EVERY: MailuConfigInput = cfg({
  components: { fetchmail: true },
  dns: { addresses: [], operator: { enabled: true, image: 'registry.example.com/mailu-k8s-operator:0.1.0' }, mtaSts: { enabled: true } },
  mailu: {
    welcome: { enabled: true, subject: 'Welcome', body: 'Hello' },
    defaultQuota: '2Gi',
    tls: { inbound: 'encrypt', outbound: 'encrypt' },
    antivirusAction: 'reject',
    sessionTimeout: '1h',
    sessionLifetime: '30d',
    credentialRounds: 13,
  },
  webmail: { roundcubePlugins: ['archive'] },
  fetchmail: { delaySeconds: 900 },
  overrides: {
    postfix: { 'postfix.cf': 'maximal_queue_lifetime = 3d\n' },
    dovecot: { 'dovecot.conf': 'mail_max_userip_connections = 20\n' },
    rspamd: { configMap: 'my-rspamd' },
    nginx: { 'extra.conf': 'location = /probe { return 204; }\n' },
    roundcube: { 'custom.inc.php': "<?php\n$config['product_name'] = 'Mail';\n" },
  },
  storage: { existingClaims: { imap: 'old-imap' }, classes: { admin: 'fast' }, annotations: { 'example.com/owner': 'mail-team' } },
  redis: { mode: 'bundled', auth: { name: 'mailu-redis' } },
  metrics: { enabled: true, kind: 'podMonitor', podLabels: PROM, labels: { release: 'kps' } },
});

describe('one config with every production knob', () => {
  const r = render(EVERY);

  it('synthesizes strictly valid objects, custom resources included, without warnings', async (t) => {
    assert.deepEqual(r.warnings, []);
    await assertValid(t, r.objects);
  });

  it('each knob is where it belongs', () => {
    const e = r.env();
    assert.deepEqual([e.WELCOME, e.DEFAULT_QUOTA, e.INBOUND_TLS_ENFORCE, e.OUTBOUND_TLS_LEVEL, e.ANTIVIRUS_ACTION, e.SESSION_TIMEOUT, e.PERMANENT_SESSION_LIFETIME, e.CREDENTIAL_ROUNDS, e.ROUNDCUBE_PLUGINS, e.FETCHMAIL_DELAY],
      ['true', String(2 * 1024 ** 3), 'true', 'encrypt', 'reject', '3600', '2592000', '13', 'archive', '900']);
    // overrides: each at its container's /overrides, read-only
    const files = (c: string) => Object.keys(mountedFiles(r, c, '/overrides', { 'my-rspamd': { 'greylist.conf': '' } })).sort();
    assert.deepEqual(files('smtp'), ['/overrides/postfix.cf']);
    assert.deepEqual(files('imap'), ['/overrides/dovecot.conf']);
    assert.deepEqual(files('antispam'), ['/overrides/greylist.conf']);
    assert.deepEqual(files('front'), ['/overrides/extra.conf', '/overrides/mta-sts.conf']);
    assert.deepEqual(files('webmail'), ['/overrides/custom.inc.php']);
    for (const c of ['smtp', 'imap', 'antispam', 'front', 'webmail']) {
      assert.ok(r.container(c).volumeMounts!.filter((m) => m.mountPath.startsWith('/overrides')).every((m) => m.readOnly), c);
    }
    // storage
    assert.equal(r.podSpec('imap').volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName, 'old-imap');
    const admin = r.get('PersistentVolumeClaim', 'mailu-admin-data') as unknown as { spec: { storageClassName: string }; metadata: { annotations: Record<string, string> } };
    assert.equal(admin.spec.storageClassName, 'fast');
    assert.equal(admin.metadata.annotations['example.com/owner'], 'mail-team');
    // redis auth
    assert.ok(r.container('redis').args!.includes('--requirepass'));
    assert.match(containerView(r, 'admin').env.REDIS_ADDRESS!, /^:test-mailu-redis-password@/);
    assert.ok(containerView(r, 'antispam').fromSecrets.RSPAMD_redis_password);
    // metrics
    assert.deepEqual(r.all('PodMonitor').map((m) => m.metadata.name).sort(), ['mailu-antispam', 'mailu-dns-operator']);
  });
});

describe('through the CLI: exit 2, the field named, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-knobs-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(() => ensureBuilt());
  const HEAD = 'domain: example.com\nhostnames: [mail.example.com]\ncluster: { podCidr: 10.42.0.0/16 }\ntls: { source: certManager, issuer: { name: letsencrypt } }\negress: { addresses: [203.0.113.10] }\ndns: { addresses: [203.0.113.10] }\n';
  const cases: [string, string, RegExp][] = [
    ['an override Mailu would not read', 'overrides: { dovecot: { local.conf: "x" } }\n', /^error: overrides\.dovecot\.local\.conf: Mailu's dovecot includes only \/overrides\/dovecot\.conf/m],
    ['hashing rounds below Mailu\'s default', 'mailu: { credentialRounds: 8 }\n', /^error: mailu\.credentialRounds: must be at least 12/m],
    ['a claim shared by two components', 'storage: { existingClaims: { admin: data, imap: data } }\n', /^error: storage\.existingClaims\.imap: data is already admin's claim/m],
    ['redis.auth without a Secret name', 'redis: { auth: { key: pw } }\n', /^error: redis\.auth\.name: /m],
  ];
  for (const [name, extra, stderr] of cases) {
    it(name, () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(path, `${HEAD}${extra}`);
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}`);
      const res = cli(['synth', '-c', path, '-o', out]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, stderr);
      assert.ok(!existsSync(out), 'nothing written');
    });
  }
});
