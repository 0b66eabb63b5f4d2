// Metrics of the Mailu API source, in the operator's own registry (same prefix as the rest).
import { Counter, Gauge, type Registry } from 'prom-client';

const P = 'mailu_dns_operator_mailu_api_';

export class MailuApiMetrics {
  readonly up: Gauge;
  readonly requests: Counter<'route' | 'code'>;
  readonly failures: Counter<'kind'>;
  readonly polls: Counter<'result'>;
  readonly lastSuccess: Gauge;
  readonly names: Gauge<'kind'>;
  readonly dkimGenerated: Counter;
  readonly endpoints: Gauge<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.up = new Gauge({ name: `${P}up`, help: '1 when the last poll of Mailu\'s API succeeded, 0 while it fails (the last known records stay published).', registers });
    this.requests = new Counter({ name: `${P}requests_total`, help: 'Requests to Mailu\'s API by route and HTTP status (0: no answer).', labelNames: ['route', 'code'], registers });
    this.failures = new Counter({ name: `${P}failures_total`, help: 'Failed polls by kind (timeout, network, unauthorized, forbidden, rate-limited, server, shape, …).', labelNames: ['kind'], registers });
    this.polls = new Counter({ name: `${P}polls_total`, help: 'Polls by result: changed (a reconcile follows), unchanged, error.', labelNames: ['result'], registers });
    this.lastSuccess = new Gauge({ name: `${P}last_success_timestamp_seconds`, help: 'Unix time of the last successful poll.', registers });
    this.names = new Gauge({ name: `${P}names`, help: 'Names in Mailu\'s last answer: domains, alternatives, rejected (not a safe mail domain), without_dkim.', labelNames: ['kind'], registers });
    this.dkimGenerated = new Counter({ name: `${P}dkim_generated_total`, help: 'DKIM keys generated through the API (dns.operator.mailuApi.generateDkim).', registers });
    this.endpoints = new Gauge({ name: 'mailu_dns_operator_domain_endpoints', help: 'Per-domain DNSEndpoints desired, by kind of domain (primary, configured, mailu, alternative).', labelNames: ['kind'], registers });
    this.up.set(0);
  }
}
