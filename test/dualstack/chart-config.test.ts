// Dual-stack config: k3s's "v4,v6" range pairs, the IPv6 ranges required together, the
// LoadBalancer's families checked against the cluster, IPv6 trust ranges (and the ones that mean
// "everyone"), static IPv6 addresses, and the Cilium release that decides the IPv6 route.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import { BASE, cfg, render, strList } from '../support/chart-helpers.js';

const DUAL = { podCidr: '10.42.0.0/16', podCidr6: '2001:db8:42::/56', serviceCidr6: '2001:db8:43::/112' };

function refused(config: unknown, path: string, message: RegExp): void {
  assert.throws(
    () => parseConfig(config as MailuConfigInput),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === path && message.test(i.message)),
    `${path} refused with ${message}`,
  );
}

describe('cluster ranges', () => {
  it('splits k3s\'s dual-stack pair (either order) into the IPv4 key and its IPv6 twin', () => {
    const a = parseConfig(cfg({ cluster: { podCidr: '10.42.0.0/16,2001:db8:42::/56', serviceCidr: '2001:db8:43::/112, 10.43.0.0/16' } }));
    assert.deepEqual([a.cluster.podCidr, a.cluster.podCidr6, a.cluster.serviceCidr, a.cluster.serviceCidr6], ['10.42.0.0/16', '2001:db8:42::/56', '10.43.0.0/16', '2001:db8:43::/112']);
    const b = parseConfig(cfg({ cluster: { podCidr: '10.42.0.0/16,2001:db8:42::/56', podCidr6: '2001:db8:42:0::/56', serviceCidr6: '2001:db8:43::/112' } }));
    assert.equal(b.cluster.podCidr6, '2001:db8:42:0::/56', 'the same range written twice is accepted');
  });

  it('single-stack stays as it was', () => {
    const c = parseConfig(cfg({ cluster: { podCidr: '10.42.0.0/16' } })).cluster;
    assert.equal(c.serviceCidr, '10.43.0.0/16');
    assert.equal('podCidr6' in c || 'serviceCidr6' in c, false);
  });

  it('refuses a conflicting explicit IPv6 range, naming the field', () => {
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16,2001:db8:42::/56', podCidr6: '2001:db8:99::/56', serviceCidr6: '2001:db8:43::/112' } }), 'cluster.podCidr6', /2001:db8:42::\/56/);
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16,2001:db8:43::/112', podCidr6: '2001:db8:42::/56', serviceCidr6: 'fd00::/112' } }), 'cluster.serviceCidr6', /2001:db8:43::\/112/);
  });

  it('requires both IPv6 ranges together', () => {
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16', podCidr6: '2001:db8:42::/56' } }), 'cluster.serviceCidr6', /required with cluster\.podCidr6/);
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr6: '2001:db8:43::/112' } }), 'cluster.podCidr6', /required with cluster\.serviceCidr6/);
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16,2001:db8:42::/56' } }), 'cluster.serviceCidr6', /required/);
  });

  it('refuses malformed pairs with the reason', () => {
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16,10.44.0.0/16' } }), 'cluster.podCidr', /two IPv4 ranges/);
    refused(cfg({ cluster: { podCidr: '2001:db8:42::/56' } }), 'cluster.podCidr', /not an IPv4 CIDR/);
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16,2001:db8:42::1/56' } }), 'cluster.podCidr', /did you mean 2001:db8:42::\/56/);
    refused(cfg({ cluster: { podCidr: '10.42.0.0/16,' } }), 'cluster.podCidr', /empty range/);
    refused(cfg({ cluster: { ...DUAL, serviceCidr6: '2001:db8:42:1::/64' } }), 'cluster.serviceCidr6', /overlaps cluster\.podCidr6/);
  });

  it('static dns.addresses may hold IPv6', () => {
    const c = parseConfig(cfg({ cluster: DUAL, dns: { addresses: ['203.0.113.10', '2001:db8:1::10'] } }));
    assert.deepEqual(c.dns.addresses, ['203.0.113.10', '2001:db8:1::10']);
  });
});

describe('LoadBalancer families', () => {
  const lb = (loadBalancer: Record<string, unknown>, cluster: Record<string, unknown> = DUAL) =>
    cfg({ cluster: cluster as MailuConfigInput['cluster'], exposure: { mode: 'loadBalancer', loadBalancer } as MailuConfigInput['exposure'] });
  const spec = (c: MailuConfigInput) => render(c).service('mailu-front-public').spec!;

  it('keeps what is given; a two-family list without a policy gets PreferDualStack', () => {
    assert.deepEqual([spec(lb({ ipFamilyPolicy: 'SingleStack' })).ipFamilyPolicy, spec(lb({ ipFamilyPolicy: 'SingleStack' })).ipFamilies], ['SingleStack', undefined]);
    const req = spec(lb({ ipFamilyPolicy: 'RequireDualStack' }));
    assert.deepEqual([req.ipFamilyPolicy, req.ipFamilies], ['RequireDualStack', ['IPv4', 'IPv6']]);
    const two = spec(lb({ ipFamilies: ['IPv6', 'IPv4'] }));
    assert.deepEqual([two.ipFamilyPolicy, two.ipFamilies], ['PreferDualStack', ['IPv6', 'IPv4']]);
  });

  it('an IPv4-only cluster gets no family fields', () => {
    const s = spec(lb({}, { podCidr: '10.42.0.0/16' }));
    assert.equal(s.ipFamilyPolicy, undefined);
    assert.equal(s.ipFamilies, undefined);
  });

  it('refuses families the cluster cannot give and contradictory ones', () => {
    refused(lb({ ipFamilies: ['IPv4', 'IPv6'] }, { podCidr: '10.42.0.0/16' }), 'exposure.loadBalancer.ipFamilies', /IPv4-only/);
    refused(lb({ ipFamilyPolicy: 'RequireDualStack' }, { podCidr: '10.42.0.0/16' }), 'exposure.loadBalancer.ipFamilyPolicy', /cannot be met/);
    refused(lb({ ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }), 'exposure.loadBalancer.ipFamilies', /SingleStack/);
    refused(lb({ ipFamilies: ['IPv6', 'IPv6'] }), 'exposure.loadBalancer.ipFamilies', /twice/);
  });
});

describe('IPv6 trust ranges', () => {
  const traefik = (trustedProxyCidrs: string[]) =>
    cfg({ cluster: DUAL, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs, entryPointPolicy: { enabled: true } } }, web: { kind: 'traefik', realIpFrom: ['10.42.0.0/16'] } });

  it('IPv6 proxies go into REAL_IP_FROM next to the IPv4 ones', () => {
    const env = render(traefik(['10.42.0.0/16', '2001:db8:42::/56'])).env();
    assert.deepEqual(strList(env.REAL_IP_FROM).sort(), ['10.42.0.0/16', '2001:db8:42::/56'].sort());
    const web = render(cfg({ cluster: DUAL, web: { kind: 'ingress', className: 'nginx', realIpFrom: ['2001:db8:42::/56'] } })).env();
    assert.deepEqual(strList(web.REAL_IP_FROM), ['2001:db8:42::/56']);
    assert.equal(web.REAL_IP_HEADER, 'X-Forwarded-For');
  });

  it('refuses ::/0 and ::ffff:0:0/96 (every IPv4 address written as IPv6) like 0.0.0.0/0', () => {
    for (const everyone of ['::/0', '::ffff:0:0/96', '::ffff:0.0.0.0/96']) {
      refused(traefik([everyone]), 'exposure.traefik.trustedProxyCidrs[0]', /trusts every address/);
      refused(cfg({ cluster: DUAL, web: { kind: 'ingress', className: 'nginx', realIpFrom: [everyone] } }), 'web.realIpFrom[0]', /trusts every address/);
    }
  });

  it('judges an IPv4-mapped range as the IPv4 range it stands for', () => {
    const wide = parseConfigWithWarnings(traefik(['::ffff:0:0/97'])).warnings;
    assert.ok(wide.some((w) => w.startsWith('exposure.traefik.trustedProxyCidrs[0]') && /wide range/.test(w)), 'half the IPv4 internet is wide');
    const narrow = parseConfigWithWarnings(traefik(['::ffff:10.42.0.0/112'])).warnings;
    assert.ok(!narrow.some((w) => w.startsWith('exposure.traefik.trustedProxyCidrs[0]')), 'a /16 written as mapped IPv6 is not');
  });
});

describe('IPv6 senders', () => {
  const gateway = (over: Record<string, unknown>, cluster: Record<string, unknown> = DUAL) =>
    ({ ...BASE, cluster, egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, publicIPs: ['203.0.113.25'], ...over } }) as MailuConfigInput;
  const v6Policy = (c: MailuConfigInput) => render(c).all('CiliumEgressGatewayPolicy').find((p) => (p.spec as { destinationCIDRs: string[] }).destinationCIDRs.includes('::/0'));

  it('reads ciliumVersion as major.minor and routes IPv6 from 1.18 on', () => {
    const e = parseConfig(gateway({ ciliumVersion: 'v1.18.2', ipv6Addresses: ['2001:db8:1::25'] })).egress;
    assert.equal(e.mode === 'ciliumGateway' ? e.ciliumVersion : undefined, '1.18');
    for (const [version, routed] of [['1.17', false], ['1.18', true], ['1.20', true], [1.19, true]] as const) {
      assert.equal(v6Policy(gateway({ ciliumVersion: version, ipv6Addresses: ['2001:db8:1::25'] })) !== undefined, routed, String(version));
    }
    refused(gateway({ ciliumVersion: '18' }), 'egress.ciliumVersion', /not a Cilium version/);
  });

  it('the IPv6 policy uses the configured interface (its first IPv6 address)', () => {
    const p = v6Policy(gateway({ interface: 'eth1', ciliumVersion: '1.18', ipv6Addresses: ['2001:db8:1::25'] }));
    assert.deepEqual((p?.spec as { egressGateway: unknown }).egressGateway, { nodeSelector: { matchLabels: { gw: 'true' } }, interface: 'eth1' });
  });

  it('no IPv6 policy on a single-stack cluster, whatever the Cilium release', () => {
    assert.equal(v6Policy(gateway({ ciliumVersion: '1.18' }, { podCidr: '10.42.0.0/16' })), undefined);
  });

  it('warns when the IPv6 sender addresses are unknown', () => {
    const gw = parseConfigWithWarnings(gateway({ ciliumVersion: '1.18' })).warnings;
    assert.ok(gw.some((w) => /egress\.ipv6Addresses is empty/.test(w) && /default-route interface/.test(w)), gw.join('\n'));
    // The operator follows the gateway's IPv6 only when it keeps SPF (no static publicIPs): with
    // publicIPs set the record is static, so the warning stays even with the operator on.
    const withOperator = (over: Record<string, unknown>) =>
      parseConfigWithWarnings({ ...gateway({ ciliumVersion: '1.18', ...over }), dns: { operator: { enabled: true } } } as MailuConfigInput).warnings;
    assert.ok(withOperator({}).some((w) => /egress\.ipv6Addresses is empty/.test(w)), 'static SPF: still warned');
    assert.ok(!withOperator({ publicIPs: [] }).some((w) => /egress\.ipv6Addresses is empty/.test(w)), 'live SPF: the operator follows the gateway');
    const nodes = parseConfigWithWarnings(cfg({ cluster: DUAL, egress: { mode: 'nodeIps', addresses: ['203.0.113.10'] } })).warnings;
    assert.ok(nodes.some((w) => /egress\.addresses lists no IPv6 address/.test(w)), nodes.join('\n'));
    const both = parseConfigWithWarnings(cfg({ cluster: DUAL, egress: { mode: 'nodeIps', addresses: ['203.0.113.10', '2001:db8:1::10'] } })).warnings;
    assert.ok(!both.some((w) => /IPv6/.test(w) && /egress/.test(w)), both.join('\n'));
  });
});
