// Bad configs are refused with the field path and the reason; risky-but-legal ones only warn.
// (The same refusals through the binary — exit 2, nothing written — are in test/cli.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig, parseConfigWithWarnings, parseConfigYaml } from '../../src/validation/index.js';
import { MailuChart } from '../../src/chart/mailu-chart.js';
import { App } from 'cdk8s';
import { BASE, cfg } from '../support/chart-helpers.js';
import { issuesOf } from '../support/config-issues.js';

interface BadCase {
  name: string;
  config: unknown;
  path: string;
  message: RegExp;
  /** A known gap: runs and reports, but does not fail the suite. */
  todo?: string;
}

const lb = (loadBalancer: Record<string, unknown>, ports?: number[]) => cfg({ exposure: { mode: 'loadBalancer', ...(ports ? { ports } : {}), loadBalancer } });
const traefik = (t: Record<string, unknown>) => cfg({ exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.3.0/24'], ...t } } });

export const BAD: BadCase[] = [
  { name: 'domain with a space', config: cfg({ domain: 'exa mple.com' }), path: 'domain', message: /not a valid DNS name/ },
  { name: 'single-label domain', config: cfg({ domain: 'localhost' }), path: 'domain', message: /at least two labels/ },
  { name: 'hostname starting with a hyphen', config: cfg({ hostnames: ['-mail.example.com'] }), path: 'hostnames[0]', message: /not a valid DNS name/ },
  { name: 'hostname listed twice (case and trailing dot ignored)', config: cfg({ hostnames: ['mail.example.com', 'MAIL.example.com.'] }), path: 'hostnames[1]', message: /listed twice/ },
  { name: 'no hostnames', config: cfg({ hostnames: [] }), path: 'hostnames', message: /.+/ },
  { name: 'CIDR with /33', config: cfg({ cluster: { podCidr: '10.42.0.0/33' } }), path: 'cluster.podCidr', message: /"10\.42\.0\.0\/33" is not a CIDR/ },
  { name: 'IPv6 CIDR as pod CIDR', config: cfg({ cluster: { podCidr: 'fd00::/64' } }), path: 'cluster.podCidr', message: /not an IPv4 CIDR/ },
  { name: 'garbage trusted range', config: cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['ingress-nginx'] } }), path: 'web.realIpFrom[0]', message: /not a CIDR/ },
  { name: 'port 70000', config: cfg({ exposure: { mode: 'hostPort', ports: [25, 70000] } }), path: 'exposure.ports[1]', message: /not a Mailu mail port \(allowed: 25, 465, 587, 993, 143, 995, 110, 4190\)/ },
  { name: 'unknown mail port 8080', config: cfg({ exposure: { mode: 'hostPort', ports: [8080] } }), path: 'exposure.ports[0]', message: /not a Mailu mail port/ },
  { name: 'port listed twice', config: cfg({ exposure: { mode: 'hostPort', ports: [25, 993, 25] } }), path: 'exposure.ports', message: /lists 25 more than once/ },
  { name: 'database port 70000', config: cfg({ database: { type: 'postgresql', host: 'db.example.net', port: 70000, secret: { name: 'db' } } }), path: 'database.port', message: /65535/ },
  { name: 'size as a bare number', config: cfg({ storage: { sizes: { imap: 50 } } }), path: 'storage.sizes.imap', message: /50 is a bare number; write "50Gi"/ },
  { name: 'memory in millibytes', config: cfg({ resources: { admin: { limits: { memory: '512m' } } } }), path: 'resources.admin.limits.memory', message: /m means milli/ },
  { name: 'enum typo web.kind', config: cfg({ web: { kind: 'ingres', className: 'nginx' } as never }), path: 'web.kind', message: /must be one of .*"ingress".* \(got "ingres"\)/ },
  { name: 'enum typo logLevel', config: cfg({ mailu: { logLevel: 'WARN' as never } }), path: 'mailu.logLevel', message: /must be one of .*"WARNING".* \(got "WARN"\)/ },
  { name: 'enum typo exposure.mode', config: cfg({ exposure: { mode: 'hostport' } as never }), path: 'exposure.mode', message: /must be one of "hostPort", "loadBalancer", "traefik" \(got "hostport"\)/ },
  { name: 'unknown key with a near miss', config: cfg({ exposure: { mode: 'hostPort', hostPort: { deamonSet: true } as never } }), path: 'exposure.hostPort.deamonSet', message: /^unknown key \(did you mean "daemonSet"\?\); valid keys: daemonSet, nodeSelector$/ },
  { name: 'unknown key in a union branch', config: lb({ externalTraficPolicy: 'Local' }), path: 'exposure.loadBalancer.externalTraficPolicy', message: /did you mean "externalTrafficPolicy"/ },
  { name: 'unknown top-level key', config: { ...BASE, hostname: ['mail.example.com'] }, path: 'hostname', message: /did you mean "hostnames"/ },
  { name: 'unknown key without a near miss', config: { ...BASE, frobnicate: 1 }, path: 'frobnicate', message: /^unknown key; valid keys: instance, domain, hostnames, / },
  { name: 'tls.source none with 465', config: cfg({ tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25, 465] } }), path: 'exposure.ports[1]', message: /465 is a TLS-only port but tls\.source is "none"/ },
  { name: 'tls.source none with 587', config: cfg({ tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25, 587] } }), path: 'exposure.ports[1]', message: /must not be offered without TLS/ },
  { name: '0.0.0.0/0 trusted for X-Forwarded-For', config: cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['0.0.0.0/0'] } }), path: 'web.realIpFrom[0]', message: /trusts every address/ },
  { name: '::/0 trusted for PROXY from the load balancer', config: lb({ proxyProtocol: { trustedCidrs: ['10.0.5.0/24', '::/0'] } }), path: 'exposure.loadBalancer.proxyProtocol.trustedCidrs[1]', message: /::\/0 trusts every address/ },
  { name: '0.0.0.0/0 trusted as Traefik', config: traefik({ trustedProxyCidrs: ['0.0.0.0/0'] }), path: 'exposure.traefik.trustedProxyCidrs[0]', message: /trusts every address/ },
  { name: '0.0.0.0/0 exempt from rate limits', config: cfg({ mailu: { rateLimits: { exemption: ['0.0.0.0/0'] } } }), path: 'mailu.rateLimits.exemption[0]', message: /trusts every address/ },
  { name: 'externalTrafficPolicy Cluster', config: lb({ externalTrafficPolicy: 'Cluster' }), path: 'exposure.loadBalancer.externalTrafficPolicy', message: /SNAT.*SUBNET.*open relay/ },
  { name: 'mailu.env overriding SUBNET', config: cfg({ mailu: { env: { SUBNET: '0.0.0.0/0' } } }), path: 'mailu.env.SUBNET', message: /set by mailu-k8s; configure cluster\.podCidr instead/ },
  { name: 'mailu.env overriding PROXY_PROTOCOL', config: cfg({ mailu: { env: { PROXY_PROTOCOL: 'mail' } } }), path: 'mailu.env.PROXY_PROTOCOL', message: /set by mailu-k8s/ },
  { name: 'mailu.env overriding REAL_IP_FROM', config: cfg({ mailu: { env: { REAL_IP_FROM: '0.0.0.0/0' } } }), path: 'mailu.env.REAL_IP_FROM', message: /set by mailu-k8s/ },
  { name: 'mailu.env setting RELAYNETS', config: cfg({ mailu: { env: { RELAYNETS: '0.0.0.0/0' } } }), path: 'mailu.env.RELAYNETS', message: /^is refused: relays mail without authentication for whole networks, which is not supported/ },
  { name: 'mailu.env overriding an address', config: cfg({ mailu: { env: { ADMIN_ADDRESS: 'evil.example.net' } } }), path: 'mailu.env.ADMIN_ADDRESS', message: /service discovery/ },
  { name: 'mailu.env overriding PORTS', config: cfg({ mailu: { env: { PORTS: '' } } }), path: 'mailu.env.PORTS', message: /exposure\.ports/ },
  {
    name: 'lower-case env name',
    config: cfg({ mailu: { env: { subnet: 'x' } } }),
    path: 'mailu.env.subnet',
    message: /not an environment variable name/,
  },
  {
    name: 'label key with a space',
    config: cfg({ exposure: { mode: 'hostPort', hostPort: { nodeSelector: { 'bad key': 'x' } } } }),
    path: 'exposure.hostPort.nodeSelector.bad key',
    message: /not a valid label key/,
  },
  { name: 'dns.addresses with dns.operator.enabled', config: cfg({ dns: { addresses: ['203.0.113.10'], operator: { enabled: true } } }), path: 'dns.addresses', message: /choose one/ },
  {
    name: 'egressIP and interface together',
    config: cfg({ egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, egressIP: '192.0.2.25', interface: 'eth1' } }),
    path: 'egress.interface',
    message: /egressIP or interface, not both/,
  },
  { name: 'instance name too long', config: cfg({ instance: 'm'.repeat(41) }), path: 'instance', message: /at most 40 characters/ },
  { name: 'namespace not a DNS label', config: cfg({ namespace: 'Mail_U' }), path: 'namespace', message: /not a valid namespace/ },
  { name: 'Traefik without trusted proxies', config: cfg({ exposure: { mode: 'traefik', traefik: {} as never } }), path: 'exposure.traefik.trustedProxyCidrs', message: /is required/ },
];

describe('bad configs are refused with the field path and the reason', () => {
  for (const c of BAD) {
    it(c.name, { todo: c.todo ?? false }, () => {
      const issues = issuesOf(() => parseConfig(c.config));
      const hit = issues.find((i) => i.path === c.path);
      assert.ok(hit, `an issue at ${c.path}; got ${JSON.stringify(issues)}`);
      assert.match(hit.message, c.message);
      // The printed form names the field first.
      const err = (() => {
        try {
          parseConfig(c.config);
        } catch (e) {
          return e as ConfigError;
        }
        return undefined;
      })();
      assert.ok(err?.message.split('\n').some((line) => line.startsWith(`${c.path}: `)));
      // MailuChart refuses it too (it validates whatever it is given).
      assert.throws(() => new MailuChart(new App(), 'x', { config: c.config as never }), ConfigError);
    });
  }

  it('reports every problem at once', () => {
    const issues = issuesOf(() => parseConfig(cfg({ domain: 'bad domain', cluster: { podCidr: 'nope' }, mailu: { logLevel: 'LOUD' as never } })));
    assert.deepEqual(issues.map((i) => i.path).sort(), ['cluster.podCidr', 'domain', 'mailu.logLevel']);
  });

  it('says which required fields are missing', () => {
    const issues = issuesOf(() => parseConfig({ domain: 'example.com' }));
    for (const p of ['hostnames', 'tls']) assert.ok(issues.some((i) => i.path === p && i.message === 'is required'), p);
    // Without a distribution that knows it, the pod CIDR is the one cluster fact nobody can guess.
    assert.ok(issues.some((i) => i.path === 'cluster.podCidr' && /^is required: .*cluster\.distribution: k3s/.test(i.message)), JSON.stringify(issues));
  });

  it('YAML: syntax errors and duplicate keys are config errors', () => {
    assert.ok(issuesOf(() => parseConfigYaml('domain: [example.com\n', 'c.yaml')).some((i) => /c\.yaml: YAML/.test(i.message)));
    assert.ok(issuesOf(() => parseConfigYaml('domain: a.example.com\ndomain: b.example.com\n', 'c.yaml')).some((i) => /YAML/.test(i.message)));
  });
});

describe('risky but legal configs only warn', () => {
  const warn = (config: unknown) => parseConfigWithWarnings(config).warnings;

  it('trusted ranges wider than /16 (or /48)', () => {
    const w = warn(cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.0.0.0/8'] } }));
    assert.ok(w.some((x) => x.startsWith('web.realIpFrom[0]:') && /10\.0\.0\.0\/8/.test(x) && /wide/.test(x)), w.join('\n'));
    const w6 = warn(lb({ proxyProtocol: { trustedCidrs: ['2001:db8::/32'] } }, [465, 993]));
    assert.ok(w6.some((x) => x.startsWith('exposure.loadBalancer.proxyProtocol.trustedCidrs[0]:')), w6.join('\n'));
    const wt = warn(traefik({ trustedProxyCidrs: ['10.42.0.0/15'] }));
    assert.ok(wt.some((x) => x.startsWith('exposure.traefik.trustedProxyCidrs[0]:')), wt.join('\n'));
  });

  it('a /16 or narrower is not wide', () => {
    const w = warn(cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.42.0.0/16', '10.0.5.0/24'] } }));
    assert.deepEqual(w.filter((x) => /wide/.test(x)), []);
    assert.deepEqual(warn(BASE), [], 'the base config is clean');
  });

  it('a DaemonSet on every node, Traefik without a web route', () => {
    assert.ok(warn(cfg({ exposure: { mode: 'hostPort', hostPort: { daemonSet: true } } })).some((x) => /daemonSet/.test(x)));
    assert.ok(warn(traefik({})).some((x) => /web\.kind/.test(x)));
  });

  it('warnings reach the chart and synthesis still succeeds', () => {
    const chart = new MailuChart(new App(), 'x', { config: cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.0.0.0/8'] } }) });
    assert.ok(chart.warnings.some((x) => /wide/.test(x)));
    assert.ok(chart.toJson().length > 10);
  });
});
