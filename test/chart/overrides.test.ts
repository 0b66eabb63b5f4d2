// overrides.*: files for Mailu's /overrides land in the right container, read-only, from a
// ConfigMap we write (inline files) or the user's own; pods roll when inline files change; names
// Mailu would not read, unsafe postfix.cf lines and impossible combinations are refused naming the
// field. That Mailu's scripts then really use the files: test/realpeer/overrides.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { assertValid, cfg, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';
import { mountedFiles } from '../support/mailu/mounted-files.js';

const overrides = (o: MailuConfigInput['overrides']) => cfg({ overrides: o });
const checksum = (r: ReturnType<typeof render>, c: string) => r.workload(c).spec!.template.metadata!.annotations?.['mailu-k8s.io/files-checksum'];

describe('where the files go', () => {
  const r = render(overrides({
    postfix: { 'postfix.cf': 'maximal_queue_lifetime = 3d\n' },
    dovecot: { 'dovecot.conf': 'mail_max_userip_connections = 20\n' },
    rspamd: { 'greylist.conf': 'expire = 3d;\n' },
    nginx: { 'extra.conf': 'location = /probe { return 204; }\n' },
    roundcube: { 'custom.inc.php': '<?php\n' },
  }));

  it('each daemon\'s files in its own container\'s /overrides, read-only, nowhere else', async (t) => {
    const expected: Record<string, string> = { smtp: 'postfix.cf', imap: 'dovecot.conf', antispam: 'greylist.conf', front: 'extra.conf', webmail: 'custom.inc.php' };
    for (const c of r.components()) {
      const files = Object.keys(mountedFiles(r, c, '/overrides'));
      assert.deepEqual(files, expected[c] ? [`/overrides/${expected[c]}`] : [], c);
      for (const m of r.container(c).volumeMounts ?? []) if (m.mountPath === '/overrides') assert.equal(m.readOnly, true, c);
    }
    await assertValid(t, r.objects);
  });

  it('inline files are a ConfigMap of ours, with the content as given', () => {
    const cm = r.get('ConfigMap', 'mailu-smtp-overrides') as unknown as ConfigMap;
    assert.deepEqual(cm.data, { 'postfix.cf': 'maximal_queue_lifetime = 3d\n' });
    assert.equal(cm.metadata!.labels!['app.kubernetes.io/component'], 'smtp');
  });

  it('no overrides, no /overrides mount (front keeps one only for MTA-STS)', () => {
    const plain = render(cfg({}));
    for (const c of plain.components()) assert.ok(!(plain.container(c).volumeMounts ?? []).some((m) => m.mountPath === '/overrides'), c);
    const mta = render(cfg({ dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: true } } }));
    assert.deepEqual(Object.keys(mountedFiles(mta, 'front', '/overrides')), ['/overrides/mta-sts.conf']);
  });
});

describe('a ConfigMap of yours', () => {
  it('is mounted whole, not copied; nothing of ours is written for it', () => {
    const r = render(overrides({ rspamd: { configMap: 'my-rspamd' } }));
    const v = r.podSpec('antispam').volumes!.find((x) => x.name === 'overrides')!;
    assert.deepEqual(v.configMap, { name: 'my-rspamd' });
    assert.equal(r.find('ConfigMap', 'mailu-antispam-overrides'), undefined);
    assert.equal(checksum(r, 'antispam'), undefined, 'its changes are not ours to track');
  });

  it('beside front\'s MTA-STS file: one projected directory holding both', () => {
    const r = render(cfg({ dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: true } }, overrides: { nginx: { configMap: 'my-nginx' } } }));
    const files = mountedFiles(r, 'front', '/overrides', { 'my-nginx': { 'site.conf': 'x' } });
    assert.deepEqual(Object.keys(files).sort(), ['/overrides/mta-sts.conf', '/overrides/site.conf']);
    assert.match(files['/overrides/mta-sts.conf']!, /mta-sts\.txt/);
  });
});

describe('pods roll when inline files change', () => {
  it('the checksum follows the content, per component', () => {
    const a = render(overrides({ postfix: { 'postfix.cf': 'maximal_queue_lifetime = 3d\n' } }));
    const b = render(overrides({ postfix: { 'postfix.cf': 'maximal_queue_lifetime = 4d\n' } }));
    assert.ok(checksum(a, 'smtp'));
    assert.notEqual(checksum(a, 'smtp'), checksum(b, 'smtp'));
    assert.equal(checksum(a, 'imap'), undefined);
  });
});

describe('refused, naming the file', () => {
  const at = (o: MailuConfigInput['overrides'], path: string) => messageAt(overrides(o), path);
  it('names Mailu would not read', () => {
    assert.match(at({ postfix: { 'main.cf': 'x' } }, 'overrides.postfix.main.cf'), /postfix\.cf, postfix\.master, mta-sts-daemon\.yml and \*\.map/);
    assert.match(at({ postfix: { 'logrotate.conf': 'x' } }, 'overrides.postfix.logrotate.conf'), /POSTFIX_LOG_FILE/);
    assert.match(at({ dovecot: { 'local.conf': 'x' } }, 'overrides.dovecot.local.conf'), /only \/overrides\/dovecot\.conf/);
    assert.match(at({ rspamd: { 'redis.conf': 'x' } }, 'overrides.rspamd.redis.conf'), /keeps its own redis\.conf/);
    assert.match(at({ rspamd: { 'worker-controller.inc': 'x' } }, 'overrides.rspamd.worker-controller.inc'), /includes no override/);
    assert.match(at({ nginx: { 'site.txt': 'x' } }, 'overrides.nginx.site.txt'), /\*\.conf/);
    assert.match(at({ roundcube: { 'custom.php': 'x' } }, 'overrides.roundcube.custom.php'), /\*\.inc and \*\.inc\.php/);
  });

  it('paths, dot names and mixed forms', () => {
    assert.match(at({ rspamd: { 'maps.d/x.map': 'x' } }, 'overrides.rspamd.maps.d/x.map'), /a file name, not a path/);
    assert.match(at({ rspamd: { '..data': 'x' } }, 'overrides.rspamd...data'), /starting with "\.\."/);
    assert.match(at({ nginx: { configMap: 'mine', 'extra.conf': 'x' } }, 'overrides.nginx.extra.conf'), /comes alone/);
    assert.match(at({ nginx: { configMap: 'Not_A_Name' } }, 'overrides.nginx.configMap'), /ConfigMap name/);
    assert.match(at({ dovecot: {} }, 'overrides.dovecot'), /at least one file/);
  });

  it('postfix.cf / postfix.master lines Mailu would mangle, and parameters set from typed fields', () => {
    const cf = (text: string) => at({ postfix: { 'postfix.cf': text } }, 'overrides.postfix.postfix.cf');
    assert.match(cf('smtpd_banner = $myhostname\n'), /write \\\$ so postfix receives \$/);
    assert.match(cf('a = "quoted"\n'), /"\\"" at column 5/);
    assert.match(cf('smtpd_recipient_restrictions = permit_mynetworks,\n  reject\n'), /line 2: starts with white space/);
    assert.match(cf('mynetworks = 0.0.0.0/0\n'), /mynetworks is set by mailu-k8s from cluster\.podCidr/);
    assert.match(cf('smtp_tls_security_level = none\n'), /mailu\.tls\.outbound/);
    assert.match(cf('just words\n'), /not "name = value"/);
    assert.match(at({ postfix: { 'postfix.master': 'mysvc unix - n n - - pipe\n' } }, 'overrides.postfix.postfix.master'), /service\/type = master\.cf entry/);
    // Escaped, commented and blank lines pass.
    render(overrides({ postfix: { 'postfix.cf': '# note\n\nsmtpd_banner = \\$myhostname ESMTP\n', 'postfix.master': 'k/unix = k unix - n n - - pipe argv=/bin/true\n' } }));
  });

  it('combinations that cannot work', () => {
    assert.match(messageAt(cfg({ components: { webmail: 'snappymail' }, overrides: { roundcube: { 'a.inc': 'x' } } }), 'overrides.roundcube'), /only Roundcube reads/);
    assert.match(
      messageAt(cfg({ dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: true } }, overrides: { nginx: { 'mta-sts.conf': 'x' } } }), 'overrides.nginx.mta-sts.conf'),
      /the file mailu-k8s writes for the MTA-STS policies/,
    );
  });
});
