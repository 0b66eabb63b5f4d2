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
