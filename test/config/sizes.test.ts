// Sizes: a bare number is refused with the spelling to use, common spellings (50MB, 1.5G, 2GiB)
// become valid Kubernetes quantities, implausible sizes are refused, CPU keeps bare numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, parseConfigYaml } from '../../src/validation/index.js';
import { quantityToBytes } from '../../src/config/quantity.js';
import { cfg, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const KUBE_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const BASE_YAML = `
domain: example.com
hostnames: [mail.example.com]
cluster: { podCidr: 10.42.0.0/16 }
tls: { source: certManager, issuer: { name: letsencrypt } }
egress: { mode: nodeIps, addresses: [203.0.113.10] }
dns: { addresses: [203.0.113.10] }
`;

describe('bare numbers are refused with the spelling to use', () => {
  it('mailu.messageSizeLimit: 100 (the Helm chart\'s megabytes) suggests "100Mi"', () => {
    const m = messageAt(cfg({ mailu: { messageSizeLimit: 100 } }), 'mailu.messageSizeLimit');
    assert.match(m, /^100 is a bare number; write "100Mi" \(mebibytes/);
    assert.match(m, /MB/, 'lists the accepted spellings');
  });

  it('a YAML number and a quoted digit string are refused alike', () => {
    for (const v of ['4096', '"4096"']) {
      const err = (() => {
        try {
          parseConfigYaml(`${BASE_YAML}resources: { imap: { limits: { memory: ${v} } } }\n`);
        } catch (e) {
          return String(e);
        }
        return 'accepted';
      })();
      assert.match(err, /resources\.imap\.limits\.memory: 4096 is a bare number; write "4096Mi"/, v);
    }
  });

  it('storage.sizes.imap: 50 suggests "50Gi", not a 50-byte volume', () => {
    assert.match(messageAt(cfg({ storage: { sizes: { imap: 50 } } }), 'storage.sizes.imap'), /50 is a bare number; write "50Gi" \(gibibytes/);
  });

  it('a byte count that fits the range is offered in binary units too', () => {
    assert.match(messageAt(cfg({ mailu: { messageSizeLimit: 52428800 } }), 'mailu.messageSizeLimit'), /write "50Mi" if you meant bytes/);
  });

  it('every size field refuses bare numbers: shared, CNPG, requests', () => {
    assert.match(messageAt(cfg({ storage: { mode: 'shared', sharedSize: 100 } }), 'storage.sharedSize'), /bare number/);
    assert.match(messageAt(cfg({ database: { type: 'cnpg', storage: { size: '10' } } }), 'database.storage.size'), /bare number; write "10Gi"/);
    assert.match(messageAt(cfg({ resources: { admin: { requests: { memory: 256 } } } }), 'resources.admin.requests.memory'), /write "256Mi"/);
  });
});

describe('common spellings become Kubernetes quantities', () => {
  // MB/M/mb are decimal like Kubernetes' M; MiB/Mi binary; README "Sizes" documents it.
  const cases: [string, string, number][] = [
    ['50MB', '50M', 50_000_000],
    ['50M', '50M', 50_000_000],
    ['50mb', '50M', 50_000_000],
    ['50Mi', '50Mi', 50 * 2 ** 20],
    ['50MiB', '50Mi', 50 * 2 ** 20],
    ['50 mib', '50Mi', 50 * 2 ** 20],
    ['51200KB', '51200k', 51_200_000],
    ['51200K', '51200k', 51_200_000],
    ['0.5Gi', '0.5Gi', 2 ** 29],
    ['.5G', '0.5G', 500_000_000],
  ];
  for (const [written, out, bytes] of cases) {
    it(`messageSizeLimit "${written}" → ${out} → MESSAGE_SIZE_LIMIT ${bytes}`, () => {
      const c = parseConfig(cfg({ mailu: { messageSizeLimit: written } }));
      assert.equal(c.mailu.messageSizeLimit, out);
      assert.match(out, KUBE_QUANTITY);
      assert.equal(render(cfg({ mailu: { messageSizeLimit: written } })).env().MESSAGE_SIZE_LIMIT, String(bytes));
    });
  }

  it('volume and memory spellings reach the manifests as valid quantities', () => {
    const r = render(cfg({ storage: { sizes: { imap: '1.5TB', admin: '2GiB' } }, resources: { imap: { limits: { memory: '4gb' } } } }));
    const size = (name: string) =>
      (r.get('PersistentVolumeClaim', `${r.instance}-${name}-data`) as unknown as { spec: { resources: { requests: { storage: string } } } }).spec.resources.requests.storage;
    assert.equal(size('imap'), '1.5T');
    assert.equal(size('admin'), '2Gi');
    assert.equal(r.container('imap').resources?.limits?.memory, '4G');
  });

  it('the defaults are unchanged', () => {
    const c = parseConfig(cfg({}));
    assert.equal(c.mailu.messageSizeLimit, '50Mi');
    assert.equal(c.storage.sizes.imap, '50Gi');
    assert.equal(c.storage.sharedSize, '100Gi');
  });
});

describe('implausible or ambiguous sizes are refused', () => {
  const bad: [string, unknown, string, RegExp][] = [
    ['message size below 1Mi', { mailu: { messageSizeLimit: '500k' } }, 'mailu.messageSizeLimit', /between 1Mi and 1Gi/],
    ['message size above 1Gi', { mailu: { messageSizeLimit: '2GB' } }, 'mailu.messageSizeLimit', /between 1Mi and 1Gi/],
    ['memory below 16Mi', { resources: { front: { limits: { memory: '8Mi' } } } }, 'resources.front.limits.memory', /memory amount: it must be between 16Mi and 1Ti/],
    ['volume below 64Mi', { storage: { sizes: { webdav: '10Mi' } } }, 'storage.sizes.webdav', /volume size: it must be between 64Mi and 64Ti/],
    ['volume above 64Ti', { storage: { sizes: { imap: '100Ti' } } }, 'storage.sizes.imap', /between 64Mi and 64Ti/],
    ['"512m" is milli, not mega', { resources: { front: { limits: { memory: '512m' } } } }, 'resources.front.limits.memory', /m means milli.*write "512Mi"/],
    ['a lone lower-case g is ambiguous', { storage: { sizes: { imap: '2g' } } }, 'storage.sizes.imap', /write "2Gi" \(×1024\) or "2G" \(×1000\)/],
    ['words', { storage: { sizes: { imap: 'lots' } } }, 'storage.sizes.imap', /"lots" is not a size; write e\.g\. "10Gi"/],
    ['an object', { storage: { sizes: { imap: { size: '1Gi' } } } }, 'storage.sizes.imap', /expected a volume size such as "10Gi"/],
  ];
  for (const [name, over, path, re] of bad) {
    it(name, () => assert.match(messageAt(cfg(over as never), path), re));
  }
});

describe('CPU stays CPU-style: bare numbers are cores', () => {
  it('500m, 1, 0.5 and "2" are accepted as written', () => {
    const r = render(cfg({ resources: { imap: { requests: { cpu: 0.5 }, limits: { cpu: 1 } }, front: { requests: { cpu: '500m' }, limits: { cpu: '2' } } } }));
    assert.equal(r.container('imap').resources?.requests?.cpu, '0.5');
    assert.equal(r.container('imap').resources?.limits?.cpu, '1');
    assert.equal(r.container('front').resources?.requests?.cpu, '500m');
    assert.equal(r.container('front').resources?.limits?.cpu, '2');
  });

  it('mega instead of milli, a memory size, too many cores and too little are refused', () => {
    const at = (cpu: unknown) => messageAt(cfg({ resources: { imap: { limits: { cpu: cpu as string } } } }), 'resources.imap.limits.cpu');
    assert.match(at('500M'), /500 million cores; millicores are a lower-case m: "500m"/);
    assert.match(at('1Gi'), /is a memory size; CPU is cores/);
    assert.match(at(500), /500 cores, more than a node has; did you mean "500m"/);
    assert.match(at('0.0001'), /below 1m/);
  });
});

describe('quantityToBytes (the one converter)', () => {
  it('is exact for decimal fractions and rounds a partial byte up', () => {
    assert.equal(quantityToBytes('1.1M'), 1_100_000);
    assert.equal(quantityToBytes('1.5G'), 1_500_000_000);
    assert.equal(quantityToBytes('50Mi'), 52_428_800);
    assert.equal(quantityToBytes('0.3Ki'), 308);
    assert.equal(quantityToBytes('1Ei'), 2 ** 60);
    assert.throws(() => quantityToBytes('50MB'), /cannot convert/);
  });
});
