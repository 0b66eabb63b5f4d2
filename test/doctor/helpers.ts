// Runs the doctor against zones served on loopback and picks checks out of the report.
import assert from 'node:assert/strict';
import type { DnsPlan } from '../../src/dns/types.js';
import { createNodeResolver } from '../../src/doctor/resolver.js';
import { type RunOptions, runDoctorChecks } from '../../src/doctor/run.js';
import type { CheckResult, DoctorReport } from '../../src/doctor/types.js';
import { type DnsTestServer, startDnsServer, type StartOptions, type TestZone } from '../support/dns-server.js';
import { goodPlan } from './fixtures.js';

export interface Scenario {
  report: DoctorReport;
  server: DnsTestServer;
}

export async function runOn(zones: TestZone[], opts: Partial<RunOptions> & { plan?: DnsPlan; server?: Omit<StartOptions, 'zones'> } = {}): Promise<Scenario> {
  const { plan, server: serverOpts, ...rest } = opts;
  const server = await startDnsServer({ zones, ...(serverOpts ?? {}) });
  try {
    const resolver = createNodeResolver({ servers: [server.server], timeoutMs: 1000, tries: 1 });
    const report = await runDoctorChecks({ plan: plan ?? goodPlan(), resolver, ...rest });
    return { report, server };
  } finally {
    await server.close();
  }
}

export function check(report: DoctorReport, id: string): CheckResult {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id}; have ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
}

/** Every check except `ids` passed (so a scenario breaks only what it means to break). */
export function othersPass(report: DoctorReport, ids: string[]): void {
  const bad = report.checks.filter((c) => !ids.includes(c.id) && c.status !== 'pass');
  assert.deepEqual(
    bad.map((c) => `${c.id}: ${c.status} ${c.detail}`),
    [],
  );
}
