// Prometheus metrics of the DNS operator. Each operator gets its own registry, so several can run
// in one process (tests) and nothing leaks into prom-client's global one.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const P = 'mailu_dns_operator_';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'result'>;
  readonly errors: Counter<'kind'>;
  readonly writes: Counter<'record' | 'op'>;
  readonly lastSuccess: Gauge;
  readonly publishedTargets: Gauge<'record' | 'family'>;
  readonly publishedTarget: Gauge<'record' | 'target'>;
  readonly reconcileDuration: Histogram;
  readonly leader: Gauge;
  readonly keepingStale: Gauge<'record'>;
  readonly nodesWithoutExternalIp: Gauge;
  readonly foreignObjects: Gauge;
  readonly spfValid: Gauge;
  readonly spfBytes: Gauge;
  readonly spfLookups: Gauge;
  readonly watchRestarts: Counter<'resource'>;
  readonly frontPods: Gauge<'state'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconciles = new Counter({ name: `${P}reconciles_total`, help: 'Reconcile runs by result (ok, error).', labelNames: ['result'], registers });
    this.errors = new Counter({ name: `${P}errors_total`, help: 'Errors by kind (watch, write, conflict, event, lease, reconcile).', labelNames: ['kind'], registers });
    this.writes = new Counter({ name: `${P}writes_total`, help: 'DNSEndpoint writes by record (address, spf) and operation (create, update, delete).', labelNames: ['record', 'op'], registers });
    this.lastSuccess = new Gauge({ name: `${P}last_success_timestamp_seconds`, help: 'Unix time of the last reconcile that completed without error.', registers });
    this.publishedTargets = new Gauge({ name: `${P}published_targets`, help: 'Distinct targets in the published DNSEndpoint, by record and address family (txt for SPF).', labelNames: ['record', 'family'], registers });
    this.publishedTarget = new Gauge({ name: `${P}published_target_info`, help: 'One series per published target (value 1).', labelNames: ['record', 'target'], registers });
    this.reconcileDuration = new Histogram({
      name: `${P}reconcile_duration_seconds`,
      help: 'Time from the start of a reconcile to its end, including API writes.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.leader = new Gauge({ name: `${P}leader`, help: '1 while this replica holds the lease and may write.', registers });
    this.keepingStale = new Gauge({ name: `${P}keeping_last_record`, help: '1 while a record is kept as last published because no fresh value qualifies (no ready front pod, invalid SPF).', labelNames: ['record'], registers });
    this.nodesWithoutExternalIp = new Gauge({ name: `${P}nodes_without_external_ip`, help: 'Nodes running a ready front pod that report no ExternalIP (left out of the record).', registers });
    this.foreignObjects = new Gauge({ name: `${P}foreign_objects`, help: 'DNSEndpoints with our names that we do not own (left untouched).', registers });
    this.spfValid = new Gauge({ name: `${P}spf_valid`, help: '1 when the SPF record computed from live facts is within RFC 7208 limits.', registers });
    this.spfBytes = new Gauge({ name: `${P}spf_bytes`, help: 'Length of the computed SPF record.', registers });
    this.spfLookups = new Gauge({ name: `${P}spf_lookups`, help: 'DNS lookups the computed SPF record needs.', registers });
    this.watchRestarts = new Counter({ name: `${P}watch_restarts_total`, help: 'Informer restarts after a watch or list error.', labelNames: ['resource'], registers });
    this.frontPods = new Gauge({ name: `${P}front_pods`, help: 'Front pods by state (serving, unscheduled, not-running, not-ready, terminating).', labelNames: ['state'], registers });
    this.leader.set(0);
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: P });
  }

  /** Replaces the published-target series for one record. */
  setPublished(record: string, targets: string[], family: (t: string) => string): void {
    this.publishedTarget.reset();
    this.publishedTargets.reset();
    this.current.set(record, targets);
    for (const [rec, ts] of this.current) {
      const counts = new Map<string, number>();
      for (const t of new Set(ts)) {
        this.publishedTarget.set({ record: rec, target: t }, 1);
        counts.set(family(t), (counts.get(family(t)) ?? 0) + 1);
      }
      for (const [fam, n] of counts) this.publishedTargets.set({ record: rec, family: fam }, n);
    }
  }

  private readonly current = new Map<string, string[]>();
}
