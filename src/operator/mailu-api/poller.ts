// Polls Mailu's API (Mailu has no watch): every interval the leader reads the domains and the
// alternative domains, one request at a time, and hands a new snapshot to the reconciler only
// when the answer changed (hash of the normalised answer). A failing API keeps the last snapshot,
// so the published records stay; it backs off exponentially (never sooner than a Retry-After),
// counts the failure and records one Event per outage. Readiness does not depend on it.
//
// DKIM keys: a domain without one gets a Warning Event naming it, or, with generateDkim, one
// POST /domain/<name>/dkim. A key is only ever created for a domain that has none: the operator
// never rotates or deletes one, and never asks twice for the same domain.
import type { Logger } from 'pino';
import { exponentialBackoff, retryDelay, type Backoff } from '../backoff.js';
import type { Clock, ClockTimer } from '../clock.js';
import type { InvolvedObject } from '../kube.js';
import { MailuApiError, type MailuApiClient } from './client.js';
import type { MailuApiMetrics } from './metrics.js';
import { snapshotFrom, type MailuSnapshot } from './snapshot.js';

export interface PollerOptions {
  client: Pick<MailuApiClient, 'listDomains' | 'listAlternatives' | 'generateDkim'>;
  intervalMs: number;
  /** First step of the failure backoff (it grows up to five intervals). */
  backoffBaseMs: number;
  retryAfterMaxMs: number;
  selector: string;
  generateDkim: boolean;
  /** Most DKIM keys requested in one poll (a burst of new domains is spread over polls). */
  maxDkimPerPoll?: number;
  isLeader: () => boolean;
  onChange: (snapshot: MailuSnapshot) => void;
  /** Records a Kubernetes Event (best effort). */
  event: (about: InvolvedObject | 'operator', type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** The DNSEndpoint name a domain's records go to (the object its Events are about). */
  endpointName: (domain: string) => string;
  namespace: string;
  clock: Clock;
  log: Logger;
  metrics: MailuApiMetrics;
}

export class MailuApiPoller {
  private snap?: MailuSnapshot;
  private timer?: ClockTimer;
  private running?: Promise<void>;
  private stopped = false;
  private failing = false;
  private readonly backoff: Backoff;
  /** Domains a key was asked for (successfully): never again. */
  private readonly generated = new Set<string>();
  /** Conditions already reported (missing key, rejected name): one Event per onset. */
  private reported = new Set<string>();
  /** Polls run (for tests and the benchmark). */
  polls = 0;

  constructor(private readonly o: PollerOptions) {
    this.backoff = exponentialBackoff(Math.min(o.intervalMs, o.backoffBaseMs), o.intervalMs * 5);
  }

  /** The last good snapshot; undefined before the first successful poll of this leadership term. */
  get snapshot(): MailuSnapshot | undefined {
    return this.snap;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** Leadership changed: a new leader polls at once; a replica that stops leading forgets. */
  leadershipChanged(leading: boolean): void {
    this.reported.clear();
    if (leading) {
      this.schedule(0);
    } else {
      this.snap = undefined;
    }
  }

  /** Resolves when no poll runs (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => void this.tick(), ms, 'Mailu API poll');
  }

  private async tick(): Promise<void> {
    if (this.running) return; // one poll at a time; the running one schedules the next
    this.running = this.poll().finally(() => (this.running = undefined));
    await this.running;
  }

  private async poll(): Promise<void> {
    if (!this.o.isLeader()) {
      // Only the leader reads (and writes); the next term starts with a poll of its own.
      this.schedule(this.o.intervalMs);
      return;
    }
    this.polls++;
    let next = this.o.intervalMs;
    try {
      const domains = await this.o.client.listDomains();
      const alternatives = await this.o.client.listAlternatives();
      const snap = snapshotFrom(domains, alternatives, this.o.selector);
      this.succeeded(snap);
      if (await this.dkimKeys(snap)) next = 0; // read the new keys back at once
    } catch (err) {
      next = this.failed(err);
    }
    this.schedule(next);
  }

  private succeeded(snap: MailuSnapshot): void {
    const m = this.o.metrics;
    this.backoff.reset();
    m.up.set(1);
    m.lastSuccess.set(Date.now() / 1000);
    if (this.failing) {
      this.failing = false;
      this.o.log.info('Mailu API answers again');
      this.o.event('operator', 'Normal', 'MailuApiAvailable', 'Mailu\'s API answers again; mail domain records follow it');
    }
    m.names.set({ kind: 'domains' }, snap.domains.length);
    m.names.set({ kind: 'alternatives' }, snap.alternatives.length);
    m.names.set({ kind: 'rejected' }, snap.rejected.length);
    m.names.set({ kind: 'without_dkim' }, snap.domains.filter((d) => !d.dkim).length);
    this.prune(snap);
    const changed = this.snap?.hash !== snap.hash;
    m.polls.inc({ result: changed ? 'changed' : 'unchanged' });
    if (!changed) return;
    this.snap = snap;
    this.reportNames(snap);
    this.o.log.debug({ domains: snap.domains.length, alternatives: snap.alternatives.length, rejected: snap.rejected.length }, 'Mailu API: domains changed');
    this.o.onChange(snap);
  }

  /** Returns the wait before the next poll. */
  private failed(err: unknown): number {
    const e = err instanceof MailuApiError ? err : new MailuApiError(String(err), 'network');
    const m = this.o.metrics;
    m.up.set(0);
    m.polls.inc({ result: 'error' });
    m.failures.inc({ kind: e.kind });
    const wait = retryDelay(this.backoff.next(), e.retryAfterMs, this.o.retryAfterMaxMs);
    const kept = this.snap ? `keeping the records of the last answer (${this.snap.domains.length} domain(s))` : 'no answer yet: the published per-domain records are left as they are';
    if (!this.failing) {
      this.failing = true;
      this.o.log.error({ err: e.message, kind: e.kind, retryInMs: wait }, `Mailu API failed; ${kept}`);
      this.o.event('operator', 'Warning', 'MailuApiUnavailable', `Mailu's API failed (${e.kind}): ${e.message}; ${kept}${hint(e)}`);
    } else {
      this.o.log.debug({ err: e.message, kind: e.kind, retryInMs: wait }, 'Mailu API still failing');
    }
    return wait;
  }

  /** Forgets reported conditions that ended, so they are reported again if they come back. */
  private prune(snap: MailuSnapshot): void {
    const live = new Set<string>([
      ...snap.rejected.map((r) => `rejected/${r.what}/${r.raw}`),
      ...snap.domains.filter((d) => d.dkimProblem).map((d) => `dkim-problem/${d.name}`),
      ...snap.domains.filter((d) => !d.dkim && !d.dkimProblem).map((d) => `no-dkim/${d.name}`),
    ]);
    this.reported = new Set([...this.reported].filter((k) => live.has(k)));
  }

  private reportNames(snap: MailuSnapshot): void {
    for (const r of snap.rejected) {
      const key = `rejected/${r.what}/${r.raw}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const msg = `Mailu lists the ${r.what} ${r.raw}, which ${r.why}: no record is published for it`;
      this.o.log.warn({ name: r.raw, what: r.what }, msg);
      this.o.event('operator', 'Warning', 'MailDomainRejected', msg);
    }
    for (const d of snap.domains.filter((x) => x.dkimProblem)) {
      const key = `dkim-problem/${d.name}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const msg = `mail domain ${d.name}: ${d.dkimProblem}; its DKIM record is not published`;
      this.o.log.warn({ domain: d.name }, msg);
      this.o.event(this.about(d.name), 'Warning', 'DkimKeyUnusable', msg);
    }
  }

  /** Missing keys: generated (opt-in) or reported. True when a key was generated. */
  private async dkimKeys(snap: MailuSnapshot): Promise<boolean> {
    const missing = snap.domains.filter((d) => !d.dkim && !d.dkimProblem);
    let made = false;
    let budget = this.o.maxDkimPerPoll ?? 10;
    for (const d of missing) {
      if (this.o.generateDkim && !this.generated.has(d.name)) {
        if (budget > 0 && this.o.isLeader()) {
          budget--;
          made = (await this.generate(d.name)) || made;
        }
        continue;
      }
      const key = `no-dkim/${d.name}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const msg = this.generated.has(d.name)
        ? `mail domain ${d.name} still has no DKIM key although Mailu accepted the request to generate one; no DKIM record is published (the operator asks only once: check admin's /dkim volume)`
        : `mail domain ${d.name} has no DKIM key in Mailu, so no DKIM record is published: generate one in Mailu's admin (Mail domains, ${d.name}, Details, "Generate keys"), or set dns.operator.mailuApi.generateDkim`;
      this.o.log.warn({ domain: d.name }, msg);
      this.o.event(this.about(d.name), 'Warning', 'MissingDkimKey', msg);
    }
    return made;
  }

  private async generate(domain: string): Promise<boolean> {
    try {
      await this.o.client.generateDkim(domain);
    } catch (err) {
      const e = err instanceof MailuApiError ? err : new MailuApiError(String(err), 'network');
      this.o.log.warn({ domain, err: e.message }, 'could not generate a DKIM key; trying again at the next poll');
      this.o.metrics.failures.inc({ kind: `dkim-${e.kind}` });
      return false;
    }
    this.generated.add(domain);
    this.o.metrics.dkimGenerated.inc();
    const msg = `generated a DKIM key for mail domain ${domain} in Mailu (dns.operator.mailuApi.generateDkim); its DKIM record follows`;
    this.o.log.info({ domain }, msg);
    this.o.event(this.about(domain), 'Normal', 'DkimKeyGenerated', msg);
    return true;
  }

  private about(domain: string): InvolvedObject {
    return { name: this.o.endpointName(domain), namespace: this.o.namespace };
  }
}

function hint(e: MailuApiError): string {
  if (e.kind === 'unauthorized' || e.kind === 'forbidden') return ' (check that the operator\'s token Secret holds admin\'s API_TOKEN)';
  if (e.kind === 'rate-limited') return ' (Mailu rate-limits an address after invalid tokens)';
  return '';
}
