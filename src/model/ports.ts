// Ports the model derives from the catalogue (src/config/mail-ports.ts) and the fixed ports of
// front's web side.
import { MAIL_PORTS, type MailPort } from '../config/mail-ports.js';

/** ManageSieve: Mailu ties webmail's internal sieve listener (14190) to it. */
export const SIEVE_PORT = 4190;

/** HTTP ports of front. */
export const HTTP_PORTS = { http: 80, https: 443 } as const;

/** Ports sorted in catalogue order, de-duplicated. */
export function normalisePorts(ports: readonly number[]): MailPort[] {
  const set = new Set(ports);
  return MAIL_PORTS.filter((p) => set.has(p.port));
}

/** Port a Traefik pod listens on for a public port (unprivileged: high ports inside the pod). */
export function traefikContainerPort(port: number): number {
  return port < 1024 ? 8000 + port : port + 4000;
}
