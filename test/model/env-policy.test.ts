// mailu.env can tune Mailu but never widen trust, rewire it or switch a protection off; the relay
// password never travels without TLS; a proxy in front of the web UI without its addresses warns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { MANAGED_ENV, REFUSED_ENV, TUNABLE_ENV } from '../../src/model/env-policy.js';
import { buildModel } from '../../src/model/index.js';
import { cfg, REPO_ROOT, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const refusal = (config: MailuConfigInput, path: string): string => messageAt(config, path);
const withEnv = (env: Record<string, string>) => cfg({ mailu: { env } });

describe('mailu.env policy', () => {
  it('refuses what widens trust or switches off a protection, naming the field to use', () => {
    const cases: [string, string, RegExp][] = [
      ['PROXY_AUTH_WHITELIST', '0.0.0.0/0', /header login .* not supported/],
      ['AUTH_RATELIMIT_EXEMPTION', '0.0.0.0/0', /configure mailu\.rateLimits\.exemption instead/],
      ['MESSAGE_RATELIMIT_EXEMPTION', 'everyone@example.com', /mailu\.rateLimits\.messageExemption/],
      ['WEBMAIL', 'roundcube', /components\.webmail/],
      ['API', 'true', /secrets\.apiToken/],
      ['RELAYNETS', '10.0.0.0/8', /^is refused: relays mail without authentication for whole networks, which is not supported; give senders an account/],
      ['SUBNET_FILE', '/tmp/x', /cluster\.podCidr/],
      ['PORT_4190', 'True', /derived by Mailu/],
      ['PROXY_PROTOCOL_25', 'True', /derived by Mailu/],
      ['DEFER_ON_TLS_ERROR', 'false', /switches off DANE/],
      ['SESSION_COOKIE_SECURE', 'no', /plain HTTP/],
      ['CREDENTIAL_ROUNDS', '4', /configure mailu\.credentialRounds instead/],
      ['WELCOME', 'true', /configure mailu\.welcome\.enabled instead/],
      ['MAX_FILESIZE', '100', /66 %.*overwrites MAX_FILESIZE/],
      ['DEBUG', 'true', /mailu\.logLevel/],
      ['ROUNDCUBE_KEY', 'abc', /secret does not belong in a ConfigMap/],
      ['OUTBOUND_TLS_LEVEL', 'may', /egress/],
      ['FRONT_ADDRESS', 'evil.example.net', /service discovery/],
    ];
    for (const [key, value, message] of cases) {
      const m = refusal(withEnv({ [key]: value }), `mailu.env.${key}`);
      assert.match(m, message, key);
      assert.doesNotMatch(m, /\(not supported: /, 'no garbled "set by … from (not supported" message');
    }
  });

  it('refuses names Mailu does not read, with a did-you-mean', () => {
    assert.match(refusal(withEnv({ WELCOM: 'true' }), 'mailu.env.WELCOM'), /did you mean "WELCOME"/);
    assert.match(refusal(withEnv({ WEBMAIL_THEME: 'dark' }), 'mailu.env.WEBMAIL_THEME'), /not a Mailu 2024\.06 setting/);
  });

  it('passes tunables through as strings, into the shared environment', () => {
    const r = render(withEnv({ SITENAME: 'Example Mail', DEFAULT_SPAM_THRESHOLD: '90', SESSION_KEY_BITS: '256', DEFER_ON_TLS_ERROR: 'true' }));
    const env = r.env();
    assert.equal(env.SITENAME, 'Example Mail');
    assert.equal(env.DEFAULT_SPAM_THRESHOLD, '90');
    assert.equal(env.SESSION_KEY_BITS, '256');
  });

  it('the three lists are disjoint, and the README lists every tunable', () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
    for (const key of Object.keys(TUNABLE_ENV)) {
      assert.ok(!(key in MANAGED_ENV) && !(key in REFUSED_ENV), key);
      assert.ok(readme.includes(`\`${key}\``), `README lists ${key}`);
    }
    for (const key of Object.keys(REFUSED_ENV)) assert.ok(!(key in MANAGED_ENV), key);
  });

  it('every variable mailu-k8s writes into the shared environment is managed (so mailu.env cannot override it)', () => {
    const full = cfg({
      components: { webdav: true, fetchmail: true, tika: true },
      secrets: { initialAdmin: { secret: { name: 'a' } }, apiToken: { name: 'api' } },
      egress: { mode: 'relay', host: 'relay.example.net', secret: { name: 'relay' } },
      dns: { dmarc: { rua: 'dmarc@example.com', ruf: 'forensic@example.com' } },
      cluster: { podCidr: '10.42.0.0/16', podCidr6: 'fd42::/56', serviceCidr6: 'fd43::/112' },
    });
    const shared = buildModel(parseConfig(full)).env.shared;
    for (const key of Object.keys(shared)) {
      assert.ok(key in MANAGED_ENV || key.endsWith('_ADDRESS') || key in TUNABLE_ENV, `${key} is written by mailu-k8s but not in the policy`);
    }
  });
});

describe('relay credentials never travel in clear', () => {
  const relay = (egress: Record<string, unknown>) => cfg({ egress: { mode: 'relay', host: 'relay.example.net', ...egress } as MailuConfigInput['egress'] });

  it('with credentials postfix must use TLS to the relay (OUTBOUND_TLS_LEVEL=encrypt)', () => {
    const env = render(relay({ secret: { name: 'relay' } })).env();
    assert.equal(env.RELAYHOST, '[relay.example.net]:587');
    assert.equal(env.OUTBOUND_TLS_LEVEL, 'encrypt');
  });

  it('other egress modes keep Mailu\'s default level (DANE where published)', () => {
    assert.equal(render(cfg({})).env().OUTBOUND_TLS_LEVEL, undefined);
  });

  it('port 465 (implicit TLS) is refused: Mailu\'s postfix speaks STARTTLS to a relay', () => {
    assert.match(refusal(relay({ port: 465, secret: { name: 'relay' } }), 'egress.port'), /587/);
  });
});

describe('web behind a proxy without web.realIpFrom', () => {
  it('warns that every web client looks like the proxy, and says what to set', () => {
    for (const web of [{ kind: 'ingress', className: 'nginx' }, { kind: 'traefik' }, { kind: 'gatewayApi', parentRef: { name: 'gw' } }] as const) {
      const { warnings } = parseConfigWithWarnings(cfg({ web }));
      assert.ok(warnings.some((w) => w.startsWith('web.realIpFrom is empty') && /rate limits/.test(w) && /X-Forwarded-For/.test(w)), `${web.kind}: ${warnings.join(' | ')}`);
      const quiet = parseConfigWithWarnings(cfg({ web: { ...web, realIpFrom: ['10.42.9.0/24'] } }));
      assert.ok(!quiet.warnings.some((w) => w.startsWith('web.realIpFrom is empty')), web.kind);
    }
  });
});

describe('addresses Mailu puts into URIs', () => {
  it('IPv6 database and Redis hosts are bracketed (postgresql://u:p@[fd00::5]:5432/db)', () => {
    const env = buildModel(parseConfig(cfg({
      database: { type: 'postgresql', host: 'fd00::5', secret: { name: 'db' } },
      redis: { mode: 'external', host: 'fd00::6', port: 6380 },
    }))).env.shared;
    assert.equal(env.DB_HOST, '[fd00::5]:5432');
    assert.equal(env.REDIS_ADDRESS, '[fd00::6]:6380');
    const v4 = buildModel(parseConfig(cfg({ database: { type: 'postgresql', host: 'postgres-rw', secret: { name: 'db' } } }))).env.shared;
    assert.equal(v4.DB_HOST, 'postgres-rw:5432');
  });
});
