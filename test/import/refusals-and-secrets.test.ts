// Unsafe chart choices are refused, each with the reason and the safe alternative, never copied;
// secret values never reach the config or the report, wherever they sit in the values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, ImportError, importedConfigYaml, importHelmValues } from '../../src/import/index.js';

const BASE = { domain: 'example.org', hostnames: ['mail.example.org'] };
const LB = { hostPort: { enabled: false }, externalService: { enabled: true, type: 'LoadBalancer' } };

function refusal(values: Record<string, unknown>): ImportError {
  try {
    importHelmValues(values);
  } catch (e) {
    assert.ok(e instanceof ImportError, String(e));
    return e;
  }
  assert.fail('the values were imported');
}

const UNSAFE: [string, Record<string, unknown>, string, RegExp, RegExp][] = [
  ['REAL_IP_FROM open to the world', { ingress: { realIpFrom: '0.0.0.0/0' } }, 'ingress.realIpFrom', /0\.0\.0\.0\/0 trusts every address on the internet/, /list only your ingress controller's/],
  ['IPv6 world too', { ingress: { realIpFrom: '10.0.0.0/8,::/0' } }, 'ingress.realIpFrom', /::\/0 trusts every address/, /list only/],
  ['a LoadBalancer with externalTrafficPolicy Cluster', { front: { ...LB, externalService: { ...LB.externalService, externalTrafficPolicy: 'Cluster' } } }, 'front.externalService.externalTrafficPolicy', /SNATs every client .*\(open relay\)/, /externalTrafficPolicy: Local/],
  ['a NodePort with externalTrafficPolicy Cluster', { front: { externalService: { enabled: true, type: 'NodePort', externalTrafficPolicy: 'Cluster' } } }, 'front.externalService.externalTrafficPolicy', /open relay/, /Local/],
  ['relaying for whole networks', { externalRelay: { networks: ['10.0.0.0/8'] } }, 'externalRelay.networks', /RELAYNETS lets anyone in 10\.0\.0\.0\/8 send mail anywhere/, /authenticate/],
  ['header login', { proxyAuth: { whitelist: '10.0.0.0/8' } }, 'proxyAuth.whitelist', /logged in as any user/, /Mailu's own accounts/],
  ['cookies over plain HTTP', { sessionCookieSecure: false }, 'sessionCookieSecure', /plain HTTP/, /HTTPS/],
  ['cheap password hashes', { credentialRounds: 8 }, 'credentialRounds', /cheap to crack/, /12 or more/],
  ['outbound mail in clear text', { tls: { outboundLevel: 'none' } }, 'tls.outboundLevel', /clear text/, /may \(opportunistic TLS\)/],
  ['TLS policy errors ignored', { tls: { deferOnError: 'false' } }, 'tls.deferOnError', /without the TLS/, /defers such mail/],
  ['no TLS at all', { ingress: { tls: false } }, 'ingress.tls', /in the clear/, /tls\.source certManager/],
  ['TLS flavour notls', { ingress: { tlsFlavorOverride: 'notls' } }, 'ingress.tlsFlavorOverride', /in the clear/, /certificate/],
  ['PROXY protocol on port 25', { ingress: { realIpFrom: '10.0.0.0/24', realIpHeader: '', proxyProtocol: { smtp: true, smtps: true, imaps: true, pop3s: true, manageSieve: true } }, front: LB }, 'ingress.proxyProtocol.smtp', /loses Mailu's own mail/, /keep 25 without PROXY/],
  ['PROXY on some ports of the load balancer only', { ingress: { realIpFrom: '10.0.0.0/24', proxyProtocol: { imaps: true } }, front: { ...LB, externalService: { ...LB.externalService, ports: { smtp: false } } } }, 'ingress.proxyProtocol', /Mailu expects PROXY on every port/, /all of the load balancer's ports or on none/],
  ['a SUBNET of most of the internet', { subnet: '0.0.0.0/1' }, 'subnet', /open relay/, /pod CIDR/],
];

describe('unsafe chart values are refused with the reason and the alternative', () => {
  for (const [name, values, path, reason, instead] of UNSAFE) {
    it(name, () => {
      const e = refusal({ ...BASE, ...values });
      const issue = e.issues.find((i) => i.path === path);
      assert.ok(issue, `${path} in ${JSON.stringify(e.issues)}`);
      assert.match(issue.message, reason);
      assert.match(issue.message, /; instead: /);
      assert.match(issue.message.split('; instead: ')[1]!, instead);
      const entry = e.report.entries.find((x) => x.chart.includes(path) && x.status === 'refused');
      assert.ok(entry, 'the report shows it as refused');
      assert.match(formatReport(e.report, 'v.yaml'), new RegExp(`REFUSED\\s+${path.replace(/\./g, '\\.')}`));
    });
  }

  it('a refusal leaves the rest of the report intact (the import still says what it would do)', () => {
    const e = refusal({ ...BASE, ingress: { realIpFrom: '0.0.0.0/0' } });
    assert.ok(e.report.entries.some((x) => x.status === 'mapped' && x.chart.includes('domain')));
  });
});

describe('secrets', () => {
  // A distinct marker in every place the chart takes a secret value.
  const markers: Record<string, string> = {};
  const m = (path: string) => (markers[path] = `SECRET-${Object.keys(markers).length}-${path.replace(/\W/g, '')}`);
  const values = {
    ...BASE,
    secretKey: m('secretKey'),
    initialAccount: { enabled: true, username: 'admin', password: m('initialAccount.password') },
    api: { enabled: true, token: m('api.token') },
    externalRelay: { host: 'relay.example.net', username: m('externalRelay.username'), password: m('externalRelay.password') },
    externalDatabase: { enabled: true, type: 'postgresql', host: 'pg.example.org', password: m('externalDatabase.password') },
    global: { database: { roundcube: { password: m('global.database.roundcube.password') } } },
    database: { mysql: { roundcubePassword: m('database.mysql.roundcubePassword') } },
    mariadb: { auth: { rootPassword: m('mariadb.auth.rootPassword'), password: m('mariadb.auth.password') } },
    postgresql: { auth: { postgresPassword: m('postgresql.auth.postgresPassword') } },
    redis: { auth: { password: m('redis.auth.password') } },
    ingress: { secrets: [{ name: 'mailu-certificates', key: m('ingress.secrets.key'), certificate: m('ingress.secrets.certificate') }] },
    someNewChartKey: { apiToken: m('someNewChartKey.apiToken') },
  };
  const r = importHelmValues(values);
  const everything = importedConfigYaml(r, 'values.yaml') + formatReport(r.report, 'values.yaml') + JSON.stringify(r.config) + r.report.steps.join('\n');

  it('no secret value reaches the config, its YAML, the report or the commands', () => {
    for (const [path, marker] of Object.entries(markers)) assert.ok(!everything.includes(marker), `${path}'s value leaked`);
  });

  it('each is reported as a secret (also a password-like key the import does not know)', () => {
    for (const p of ['secretKey', 'initialAccount.password', 'api.token', 'externalRelay.password', 'externalDatabase.password', 'redis.auth.password', 'ingress.secrets', 'someNewChartKey.apiToken']) {
      assert.ok(r.report.entries.some((e) => e.status === 'secret' && e.chart.includes(p)), p);
    }
  });

  it('our Secrets are filled from the chart\'s by commands that print no value', () => {
    const created = r.report.steps.filter((s) => s.includes('create secret')).map((s) => /create secret \w+ (\S+)/.exec(s)![1]).sort();
    assert.deepEqual(created, ['mailu-api-token', 'mailu-db', 'mailu-initial-admin', 'mailu-relay', 'mailu-roundcube-db', 'mailu-secret-key', 'mailu-tls'].sort());
    for (const s of r.report.steps.filter((x) => x.includes('create secret'))) {
      assert.match(s, /kubectl -n mailu get secret \S+ -o jsonpath=/, 'read from the cluster, not written in the command');
    }
  });

  it('the config names the Secrets', () => {
    const c = r.config as { secrets: Record<string, unknown> };
    assert.deepEqual(c.secrets, {
      secretKey: { name: 'mailu-secret-key' },
      initialAdmin: { username: 'admin', mode: 'update', secret: { name: 'mailu-initial-admin', key: 'password' } },
      apiToken: { name: 'mailu-api-token', key: 'api-token' },
    });
  });
});
