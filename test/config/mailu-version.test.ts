// mailu.version: only the Mailu 2024.06 releases mailu-k8s was checked against are accepted; the
// error names them; mailu.allowUntestedVersion deploys another with a warning. Also through the
// built binary (exit 2 and the field named, nothing written).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { classifyMailuVersion, DEFAULT_MAILU_VERSION, LATEST_SUPPORTED_PATCH } from '../../src/config/mailu-version.js';
import { parseConfigWithWarnings } from '../../src/validation/index.js';
import { cfg, cli, ensureBuilt, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const withVersion = (version: string, allowUntestedVersion?: boolean) => cfg({ mailu: { version, ...(allowUntestedVersion === undefined ? {} : { allowUntestedVersion }) } });

describe('mailu.version', () => {
  it('accepts every 2024.06 patch release up to the default, and uses it for every Mailu image', () => {
    assert.equal(DEFAULT_MAILU_VERSION, `2024.06.${LATEST_SUPPORTED_PATCH}`);
    for (const v of ['2024.06.0', '2024.06.10', '2024.06.36', DEFAULT_MAILU_VERSION]) {
      const { warnings } = parseConfigWithWarnings(withVersion(v));
      assert.deepEqual(warnings.filter((w) => w.startsWith('mailu.')), [], v);
    }
    const admin = render(withVersion('2024.06.36')).container('admin');
    assert.equal(admin.image, 'ghcr.io/mailu/admin:2024.06.36');
    assert.equal(render(cfg()).container('imap').image, `ghcr.io/mailu/dovecot:${DEFAULT_MAILU_VERSION}`);
  });

  it('accepts the moving series tag 2024.06 with a warning to pin a release', () => {
    const { warnings } = parseConfigWithWarnings(withVersion('2024.06'));
    assert.ok(warnings.some((w) => /2024\.06 moves with every patch release.*pin a release such as 2024\.06\.57/.test(w)), warnings.join('\n'));
  });

  const refused: [string, RegExp][] = [
    ['2024.06.58', /newer than the releases this mailu-k8s was checked against; supported: 2024\.06\.0 to 2024\.06\.57.*allowUntestedVersion: true/],
    ['2.0', /"2\.0" is not a Mailu 2024\.06 release; supported: 2024\.06\.0 to 2024\.06\.57 \(or 2024\.06/],
    ['1.9.34', /not a Mailu 2024\.06 release/],
    ['2024.12.1', /Mailu 2024\.12 is another release series/],
    ['2025.01', /another release series/],
    ['master', /not a Mailu 2024\.06 release \(a development or moving tag\)/],
    ['latest', /moving tag/],
    ['2024.06.07', /no leading zeros/],
  ];
  for (const [v, re] of refused) {
    it(`refuses ${v}, naming the supported releases`, () => assert.match(messageAt(withVersion(v), 'mailu.version'), re));
  }

  it('still refuses what is no image tag at all, escape hatch or not', () => {
    assert.match(messageAt(withVersion('2024.06 57', true), 'mailu.version'), /not a valid image tag/);
  });

  it('allowUntestedVersion: true deploys another version, with a warning naming why it is untested', () => {
    const { warnings } = parseConfigWithWarnings(withVersion('2024.06.60', true));
    assert.ok(warnings.some((w) => /mailu\.version: 2024\.06\.60 is untested with mailu-k8s/.test(w)), warnings.join('\n'));
    assert.equal(render(withVersion('2024.06.60', true)).container('smtp').image, 'ghcr.io/mailu/postfix:2024.06.60');
  });

  it('allowUntestedVersion on a supported release is pointed out as unnecessary', () => {
    const { warnings } = parseConfigWithWarnings(withVersion('2024.06.57', true));
    assert.ok(warnings.some((w) => /allowUntestedVersion: not needed/.test(w)));
  });

  it('classifies tags without a config', () => {
    assert.deepEqual(classifyMailuVersion('2024.06.3'), { kind: 'pinned', patch: 3 });
    assert.deepEqual(classifyMailuVersion('2024.06'), { kind: 'floating' });
    assert.equal(classifyMailuVersion('2024.06.58').kind, 'unsupported');
  });
});

describe('mailu.version through the built binary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-version-'));
  before(() => ensureBuilt());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validate exits 2 with one line naming the field and the supported releases', () => {
    const file = join(dir, 'old.yaml');
    writeFileSync(file, stringify(withVersion('1.9')));
    const r = cli(['validate', '--config', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: mailu\.version: "1\.9" is not a Mailu 2024\.06 release; supported: 2024\.06\.0 to 2024\.06\.57/m);
  });
});
