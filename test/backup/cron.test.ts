// backup.schedule: five cron fields, read the way Velero and CloudNativePG (robfig/cron) read
// them. Valid forms select exactly the expected minutes, hours and days; every invalid one is
// refused at backup.schedule with what is wrong and, where there is one, the form to write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCron, type CronFields } from '../../src/config/cron.js';
import { decideBackup } from '../../src/model/lifecycle.js';
import { parseConfig } from '../../src/validation/index.js';
import { cfg } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

function fields(expr: string): CronFields {
  const f = parseCron(expr);
  assert.ok(typeof f !== 'string', `${expr}: ${String(f)}`);
  return f;
}
const list = (s: Set<number>) => [...s].sort((a, b) => a - b);
const scheduleError = (schedule: string) => messageAt({ ...cfg(), backup: { schedule } }, 'backup.schedule');

describe('cron: what a valid schedule selects', () => {
  it('values, steps, ranges, lists and names', () => {
    assert.deepEqual(list(fields('*/20 * * * *').values[0]!), [0, 20, 40]);
    assert.deepEqual(list(fields('5/20 * * * *').values[0]!), [5, 25, 45], 'robfig: a/n is a-max/n');
    assert.deepEqual(list(fields('0 1-5/2 * * *').values[1]!), [1, 3, 5]);
    assert.deepEqual(list(fields('0 0 1,15 * *').values[2]!), [1, 15]);
    assert.deepEqual(list(fields('0 0 * jan-mar *').values[3]!), [1, 2, 3]);
    assert.deepEqual(list(fields('0 2 * * MON-FRI').values[4]!), [1, 2, 3, 4, 5]);
    assert.deepEqual(list(fields('0 2 * * SUN').values[4]!), [0]);
    const daily = fields('0 3 * * *');
    assert.deepEqual([list(daily.values[0]!), list(daily.values[1]!)], [[0], [3]]);
    assert.equal(daily.values[2]!.size, 31);
    assert.ok(daily.domStar && daily.dowStar);
  });

  it('February 29 is allowed (it comes in leap years)', () => {
    assert.deepEqual(list(fields('30 4 29 2 *').values[2]!), [29]);
  });

  it('the written schedule has single spaces, and CloudNativePG gets a seconds field', () => {
    // Through the config: the normalised expression is what both consumers receive.
    const config = parseConfig({ ...cfg(), backup: { schedule: ' 0   3 * *   * ' } });
    assert.equal(config.backup?.schedule, '0 3 * * *');
    assert.equal(decideBackup(config)?.cnpgSchedule, '0 0 3 * * *');
  });
});

describe('cron: refusals at backup.schedule', () => {
  const cases: [string, RegExp][] = [
    ['@daily', /five fields instead of @daily: "0 0 \* \* \*"/],
    ['@every 1h', /not supported: write five fields/],
    ['0 3 * *', /needs 5 fields.*got 4/],
    ['0 0 3 * * *', /got 6 \(no seconds field/],
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['0 24 * * *', /hour: 24 is outside 0-23/],
    ['0 0 0 * *', /day of month: 0 is outside 1-31/],
    ['0 0 * 13 *', /month: 13 is outside 1-12/],
    ['0 0 * * 7', /7 is not a day of week here: write 0 for Sunday/],
    ['0 0 30 2 *', /never runs: no selected month has day 30/],
    ['0 0 * * FOO', /"FOO" is not a number or a name \(SUN..SAT\)/],
    ['5-1 * * * *', /range 5-1 runs backwards/],
    ['*/0 * * * *', /step "0" must be a positive number/],
    ['0 0 ? * *', /"\?" is not a number/],
    ['0 0 L * *', /"L" is not a number/],
    ['0 0 1-2-3 * *', /not a value or a range/],
    ['', /needs 5 fields/],
  ];
  for (const [expr, re] of cases) {
    it(`"${expr}"`, () => assert.match(scheduleError(expr), re));
  }

  it('day 31 is fine when a weekday also selects (robfig ORs the two then)', () => {
    assert.ok(typeof parseCron('0 0 31 2 MON') !== 'string');
  });
});
