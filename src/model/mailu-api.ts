// Mailu's own API as a source of DNS facts (dns.operator.mailuApi): which token, where the
// operator reaches it, and the rules a config must follow to use it.
//
// Mailu 2024.06 registers its API blueprint under WEB_API (/api) + /v1 on admin's own port 8080
// when API is true and API_TOKEN is set; front's nginx only adds a public route to it (location
// /api) when its own API variable is true. The operator talks to admin directly, so a token given
// only for the operator switches the API on in admin alone: nothing new becomes reachable from
// outside the cluster, and the NetworkPolicies admit the operator to admin's port and nothing else.
import type { ConfigIssue } from '../config/errors.js';
import type { MailuConfig } from '../config/schema.js';
import { serviceFqdn } from './components.js';

export interface SecretKey {
  name: string;
  key: string;
}

/** Admin's HTTP port, where Mailu serves its API (and the internal endpoints). */
export const ADMIN_API_PORT = 8080;
/** WEB_API (fixed by mailu-k8s) + the API version Mailu 2024.06 registers. */
export const MAILU_API_PATH = '/api/v1';
/** The operator's environment variable carrying the token (from the Secret, never in manifests). */
export const MAILU_API_TOKEN_ENV = 'MAILU_API_TOKEN';

/** The API token the operator reads: dns.operator.mailuApi.secret, else secrets.apiToken. */
export function mailuApiToken(config: MailuConfig): SecretKey | undefined {
  if (!config.dns.operator.mailuApi.enabled) return undefined;
  return config.dns.operator.mailuApi.secret ?? config.secrets.apiToken;
}

/** The token reaches admin only through the operator's setting (the API stays off in front). */
export function adminOnlyApiToken(config: MailuConfig): SecretKey | undefined {
  return config.secrets.apiToken ? undefined : mailuApiToken(config);
}

/** Base URL of Mailu's API as the operator reaches it: admin's Service, in-cluster. */
export function mailuApiUrl(config: MailuConfig): string {
  return `http://${serviceFqdn(config, `${config.instance}-admin`)}:${ADMIN_API_PORT}${MAILU_API_PATH}`;
}

export function mailuApiIssues(config: MailuConfig): ConfigIssue[] {
  const api = config.dns.operator.mailuApi;
  if (!api.enabled) return [];
  const issues: ConfigIssue[] = [];
  const path = 'dns.operator.mailuApi.enabled';
  if (!config.dns.operator.enabled) issues.push({ path, message: 'the DNS operator reads Mailu\'s API: set dns.operator.enabled: true as well' });
  if (!config.components.admin) issues.push({ path, message: 'Mailu\'s API is served by admin: set components.admin: true (or leave mailuApi off)' });
  const own = api.secret;
  const shared = config.secrets.apiToken;
  if (!own && !shared) {
    issues.push({ path: 'dns.operator.mailuApi.secret', message: 'name the Secret holding Mailu\'s API token ({ name, key }), or set secrets.apiToken' });
  } else if (own && shared && (own.name !== shared.name || own.key !== shared.key)) {
    issues.push({
      path: 'dns.operator.mailuApi.secret',
      message: `Mailu has one API token; ${own.name}/${own.key} differs from secrets.apiToken (${shared.name}/${shared.key}): leave mailuApi.secret out to use secrets.apiToken`,
    });
  }
  return issues;
}
