// A valid Mailu config for operator tests, with the DNS operator on; overrides merge shallowly per section.
import { parseConfig } from '../../src/validation/index.js';
import type { MailuConfig, MailuConfigInput } from '../../src/config/schema.js';

type Dns = NonNullable<MailuConfigInput['dns']>;

export function operatorConfig(over: Partial<MailuConfigInput> & { operator?: NonNullable<Dns['operator']>; dnsExtra?: Partial<Dns> } = {}): MailuConfig {
  const { operator, dnsExtra, ...rest } = over;
  return parseConfig({
    domain: 'example.com',
    hostnames: ['mail.example.com', 'smtp.example.com'],
    cluster: { podCidr: '10.42.0.0/16' },
    tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
    ...rest,
    dns: { ...(dnsExtra ?? {}), operator: { enabled: true, ...(operator ?? {}) } },
  });
}

/** A dual-stack cluster (both IPv6 ranges): only there are nodes' IPv6 addresses published. */
export const DUAL_STACK_CLUSTER = { podCidr: '10.42.0.0/16', podCidr6: '2001:db8:42::/56', serviceCidr6: '2001:db8:43::/112' } as const;
