// `mailu-k8s doctor`: checks the live DNS (and optionally the SMTP service) of the configured
// domain against the DNS plan and what receivers require. Exit 0 when nothing fails (warnings
// count only with --strict), 1 when a check fails or DNS cannot be asked, 2 for bad input.
import net from 'node:net';
import { ConfigError } from '../config/errors.js';
import { exampleConfig } from '../config/example.js';
import { loadConfigFile, parseConfigWithWarnings } from '../validation/index.js';
import { canonicalMailDomain } from '../config/domains.js';
import { planDns, planDomains } from '../dns/plan.js';
import { exitCodeForDomains, renderDomainsTable, runDoctorForDomains } from '../doctor/domains.js';
import { decideEgress } from '../model/egress.js';
import { renderJson, renderTable } from '../doctor/report.js';
import { createNodeResolver, DoctorInputError, parseResolverSpec } from '../doctor/resolver.js';
import { ResolverUnreachableError } from '../doctor/run.js';
import { parseSmtpTarget } from '../doctor/smtp.js';

export interface DoctorOptions {
  /** YAML config file; the embedded example when omitted. */
  config?: string;
  /** DNS servers to ask, "HOST[:PORT]" (repeatable); the system's resolvers when omitted. */
  resolver?: string | string[];
  /** Addresses mail leaves from (repeatable); default: the config's egress addresses. */
  egressIp?: string | string[];
  /** Addresses the primary hostname must resolve to (repeatable); default: dns.addresses. */
  expectIp?: string | string[];
  /** Probe this SMTP server, "HOST[:PORT]" (port 25 by default). */
  smtp?: string;
  json?: boolean;
  /** Warnings fail too (exit 1). */
  strict?: boolean;
  /** Per-query DNS timeout in milliseconds (default 2000; each query is tried twice). */
  timeout?: string | number;
  /** Only this mail domain (`domain` or one of `domains:`); every domain when omitted. */
  domain?: string;
}

export interface DoctorIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Colour the status column (a terminal that wants it). */
  color?: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);

function defaultIo(): DoctorIo {
  const tty = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
  return { stdout: process.stdout, stderr: process.stderr, color: tty };
}

export async function runDoctor(opts: DoctorOptions, io: DoctorIo = defaultIo()): Promise<number> {
  const fail = (code: number, message: string): number => {
    for (const line of message.split('\n')) io.stderr.write(`error: ${line}\n`);
    if (opts.json) io.stdout.write(`${JSON.stringify({ error: message, exitCode: code }, null, 2)}\n`);
    return code;
  };

  let servers: string[];
  let timeoutMs: number | undefined;
  let smtp;
  let parsed;
  try {
    servers = list(opts.resolver).map(parseResolverSpec);
    if (opts.timeout !== undefined) {
      timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 60_000) throw new DoctorInputError(`--timeout "${opts.timeout}": expected milliseconds between 50 and 60000`);
    }
    for (const [flag, values] of [['--egress-ip', list(opts.egressIp)], ['--expect-ip', list(opts.expectIp)]] as const) {
      for (const v of values) if (!net.isIP(v)) throw new DoctorInputError(`${flag} "${v}" is not an IP address`);
    }
    smtp = opts.smtp !== undefined ? parseSmtpTarget(opts.smtp) : undefined;
    // Parsing validates the DNS plan too (its errors are config errors).
    parsed = opts.config ? loadConfigFile(opts.config) : parseConfigWithWarnings(exampleConfig);
  } catch (e) {
    if (e instanceof DoctorInputError || e instanceof ConfigError) return fail(2, e.message);
    throw e;
  }

  const { config } = parsed;
  const plan = planDns(config);
  const all = planDomains(plan);
  const domains = opts.domain === undefined ? all : [canonicalMailDomain(opts.domain)];
  if (!all.includes(domains[0]!)) return fail(2, `--domain ${opts.domain} is not a mail domain of this config (${all.join(', ')})`);
  if (!opts.config) io.stderr.write(`note: no --config given, checking the embedded example config (${config.domain})\n`);
  for (const w of parsed.warnings) io.stderr.write(`warning: ${w}\n`);

  const egress = decideEgress(config);
  const resolver = createNodeResolver({ servers, ...(timeoutMs !== undefined ? { timeoutMs } : {}), tries: 2 });
  let report;
  try {
    report = await runDoctorForDomains(plan, domains, {
      resolver,
      egressIps: list(opts.egressIp),
      configEgressIps: egress.senderIps,
      expectIps: list(opts.expectIp),
      ...(config.egress.mode === 'relay' ? { relayHost: config.egress.host } : {}),
      ...(smtp ? { smtp } : {}),
    });
  } catch (e) {
    if (e instanceof DoctorInputError) return fail(2, e.message);
    if (e instanceof ResolverUnreachableError) return fail(1, e.message);
    throw e;
  }
  // One domain reads as before (one report); several as one report per domain with the totals.
  const one = report.domains.length === 1 ? report.domains[0]! : undefined;
  const color = { color: io.color ?? false };
  if (opts.json) io.stdout.write(one ? renderJson(one) : `${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(one ? renderTable(one, color) : renderDomainsTable(report, color));
  return exitCodeForDomains(report, opts.strict ?? false);
}
