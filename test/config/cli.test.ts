// What new users type, through the built binary: each refusal exits 2 with the field named and
// the fix, writes nothing; accepted spellings render; warnings go to stderr with exit 0.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, ensureBuilt } from '../support/chart-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-config-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

const HEAD = `domain: example.com
hostnames: [mail.example.com]
cluster: { podCidr: 10.42.0.0/16 }
tls: { source: certManager, issuer: { name: letsencrypt } }
egress: { addresses: [203.0.113.10] }
`;
let n = 0;
function file(extra: string, dns = 'dns: { addresses: [203.0.113.10] }\n'): string {
  const path = join(dir, `c-${n++}.yaml`);
  writeFileSync(path, `${HEAD}${dns}${extra}`);
  return path;
}

describe('refused through the CLI: exit 2, the field and the fix, nothing written', () => {
  const cases: [string, string, RegExp][] = [
    ['a bare message size', 'mailu: { messageSizeLimit: 100 }\n', /^error: mailu\.messageSizeLimit: 100 is a bare number; write "100Mi"/m],
    ['a bare volume size', 'storage: { sizes: { imap: 50 } }\n', /^error: storage\.sizes\.imap: 50 is a bare number; write "50Gi"/m],
    ['Mailu\'s component name', 'components: { clamav: false }\n', /^error: components\.clamav: unknown key \(did you mean "antivirus"\?.*\); valid keys: /m],
    ['a city for a time zone', 'timezone: Berlin\n', /^error: timezone: "Berlin" is not a tz database time zone; did you mean Europe\/Berlin\?$/m],
    ['a CIDR with host bits', 'web: { kind: ingress, className: nginx, realIpFrom: [10.0.5.9/24] }\n', /^error: web\.realIpFrom\[0\]: "10\.0\.5\.9\/24" has host bits set; did you mean 10\.0\.5\.0\/24\?$/m],
    ['postfix\'s relay syntax', 'egress: { mode: relay, host: "[smtp.relay.example.net]:587" }\n', /^error: egress\.host: .*put the port in egress\.port .*the brackets are not needed$/m],
    ['an IP as a hostname', 'hostnames: [192.0.2.1]\n', /^error: hostnames\[0\]: "192\.0\.2\.1" is an IP address, not a DNS name/m],
  ];
  for (const [name, extra, stderr] of cases) {
    it(name, () => {
      // egress/hostnames given again replace the base keys (YAML refuses duplicate keys).
      const path = /^(egress|hostnames):/.test(extra) ? writeReplacing(extra) : file(extra);
      const out = join(dir, `out-${n++}`);
      const r = cli(['synth', '-c', path, '-o', out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(out), 'nothing written');
    });
  }
});

/** The base document with the top-level key of `extra` replaced by it. */
function writeReplacing(extra: string): string {
  const key = extra.split(':')[0]!;
  const path = join(dir, `c-${n++}.yaml`);
  const base = `${HEAD}dns: { addresses: [203.0.113.10] }\n`.split('\n').filter((l) => !l.startsWith(`${key}:`));
  writeFileSync(path, `${base.join('\n')}\n${extra}`);
  return path;
}

describe('accepted through the CLI', () => {
  it('a partial exposure block, a MB size and YAML env values validate (exit 0)', () => {
    const r = cli(['validate', '-c', file('exposure: { ports: [25, 465, 587, 993] }\nmailu: { messageSizeLimit: 50MB, env: { DISABLE_STATISTICS: true, DEFAULT_SPAM_THRESHOLD: 90 } }\n')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /valid/);
  });

  it('a private address in dns.addresses is a warning on stderr, not an error', () => {
    const r = cli(['validate', '-c', file('', 'dns: { addresses: [10.0.0.5] }\n')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: dns\.addresses\[0\]: 10\.0\.0\.5 is a private \(RFC 1918\) address/m);
  });
});
