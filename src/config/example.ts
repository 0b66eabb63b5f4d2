// The embedded example: what `mailu-k8s synth` renders when no --config is given. A small k3s
// cluster with one public node running front on hostPort and sending mail from its own IP.
import type { MailuConfigInput } from './schema.js';

export const exampleConfig: MailuConfigInput = {
  domain: 'example.com',
  hostnames: ['mail.example.com'],
  namespace: 'mailu',
  postmaster: 'postmaster',
  timezone: 'Etc/UTC',
  cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16' },
  tls: { source: 'certManager', issuer: { name: 'letsencrypt', kind: 'ClusterIssuer' } },
  secrets: { initialAdmin: { username: 'admin', secret: { name: 'mailu-initial-admin' } } },
  exposure: {
    mode: 'hostPort',
    ports: [25, 465, 587, 993],
    hostPort: { nodeSelector: { 'mailu.example.com/front': 'true' } },
  },
  egress: { mode: 'nodeIps', addresses: ['203.0.113.10'], nodeSelector: { 'mailu.example.com/front': 'true' } },
  dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'dmarc-reports@example.com' } },
};
