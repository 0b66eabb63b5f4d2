// The catalogue of Mailu's public mail ports: the single place that knows what each port is. It
// lives with the config because the schema checks `exposure.ports` against it; everything that
// needs ports (PORTS, PROXY_PROTOCOL, container/host/Service ports, Traefik routes,
// NetworkPolicies, SRV records) reads `exposure.ports` through this table (see src/model/ports.ts).

export interface MailPort {
  port: number;
  /** Port name used in containers and Services (IANA_SVC_NAME, <= 15 chars). */
  name: string;
  /** Protocol family for docs and SRV records. */
  service: 'smtp' | 'submission' | 'submissions' | 'imap' | 'imaps' | 'pop3' | 'pop3s' | 'sieve';
  /** Implicit TLS: the port does not exist without a certificate (Mailu only opens it with TLS). */
  implicitTls: boolean;
  /** Carries authentication: must not be offered without TLS. */
  authenticated: boolean;
  /** RFC 6186 SRV service label, if the port has one. */
  srv?: { label: string; priority: number };
  /** Default Traefik entry point name. */
  entryPoint: string;
}

export const MAIL_PORTS: readonly MailPort[] = [
  { port: 25, name: 'smtp', service: 'smtp', implicitTls: false, authenticated: false, entryPoint: 'smtp' },
  { port: 465, name: 'submissions', service: 'submissions', implicitTls: true, authenticated: true, srv: { label: '_submissions._tcp', priority: 10 }, entryPoint: 'submissions' },
  { port: 587, name: 'submission', service: 'submission', implicitTls: false, authenticated: true, srv: { label: '_submission._tcp', priority: 20 }, entryPoint: 'submission' },
  { port: 993, name: 'imaps', service: 'imaps', implicitTls: true, authenticated: true, srv: { label: '_imaps._tcp', priority: 10 }, entryPoint: 'imaps' },
  { port: 143, name: 'imap', service: 'imap', implicitTls: false, authenticated: true, srv: { label: '_imap._tcp', priority: 20 }, entryPoint: 'imap' },
  { port: 995, name: 'pop3s', service: 'pop3s', implicitTls: true, authenticated: true, srv: { label: '_pop3s._tcp', priority: 10 }, entryPoint: 'pop3s' },
  { port: 110, name: 'pop3', service: 'pop3', implicitTls: false, authenticated: true, srv: { label: '_pop3._tcp', priority: 20 }, entryPoint: 'pop3' },
  { port: 4190, name: 'sieve', service: 'sieve', implicitTls: false, authenticated: true, entryPoint: 'sieve' },
];

export const MAIL_PORT_NUMBERS = MAIL_PORTS.map((p) => p.port) as readonly number[];

/** Default public ports: inbound MX, implicit-TLS submission, STARTTLS submission and IMAPS. */
export const DEFAULT_MAIL_PORTS: readonly number[] = [25, 465, 587, 993];

