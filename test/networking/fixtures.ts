// The networking matrix: every exposure mode × web kind × egress mode, as config sections.
import type { MailuConfigInput } from '../../src/config/schema.js';
import { cfg } from '../support/chart-helpers.js';

type Section<K extends keyof MailuConfigInput> = NonNullable<MailuConfigInput[K]>;

export const TRAEFIK_PROXY_CIDRS = ['10.42.3.0/24'];
export const LB_PROXY_CIDRS = ['10.0.5.0/24'];

export const EXPOSURES: Record<string, Section<'exposure'>> = {
  hostPort: { mode: 'hostPort' },
  'hostPort daemonSet': { mode: 'hostPort', hostPort: { daemonSet: true, nodeSelector: { 'mail.example.com/front': 'true' } } },
  loadBalancer: { mode: 'loadBalancer' },
  'loadBalancer PROXY': { mode: 'loadBalancer', ports: [465, 587, 993], loadBalancer: { proxyProtocol: { trustedCidrs: LB_PROXY_CIDRS } } },
  'traefik v2.11': { mode: 'traefik', traefik: { version: 2, minorVersion: '11', trustedProxyCidrs: TRAEFIK_PROXY_CIDRS } },
  'traefik v3.5.1': { mode: 'traefik', traefik: { version: 3, minorVersion: '5.1', trustedProxyCidrs: TRAEFIK_PROXY_CIDRS } },
  'traefik v3.5.2': {
    mode: 'traefik',
    traefik: { version: 3, minorVersion: '5.2', trustedProxyCidrs: TRAEFIK_PROXY_CIDRS, loadBalancerProxyCidrs: ['192.0.2.0/28'] },
  },
};

export const WEBS: Record<string, Section<'web'>> = {
  none: { kind: 'none' },
  ingress: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.42.7.0/24'] },
  traefik: { kind: 'traefik', realIpFrom: TRAEFIK_PROXY_CIDRS },
  gatewayApi: { kind: 'gatewayApi', parentRef: { name: 'public', namespace: 'gateway' }, namespace: 'gateway' },
};

export const EGRESSES: Record<string, Section<'egress'>> = {
  nodeIps: { mode: 'nodeIps', addresses: ['203.0.113.10'], nodeSelector: { 'mail.example.com/sender': 'true' } },
  ciliumGateway: { mode: 'ciliumGateway', nodeSelector: { 'egress.example.com/gateway': 'true' }, egressIP: '192.0.2.25', publicIPs: ['203.0.113.25'] },
  relay: { mode: 'relay', host: 'smtp.relay.example.net', secret: { name: 'relay-credentials' }, spfInclude: ['spf.relay.example.net'] },
};

export interface MatrixCase {
  name: string;
  exposure: string;
  web: string;
  egress: string;
  config: MailuConfigInput;
  traefikVersion: 2 | 3;
}

export function matrix(): MatrixCase[] {
  const out: MatrixCase[] = [];
  for (const [exposure, x] of Object.entries(EXPOSURES)) {
    for (const [web, w] of Object.entries(WEBS)) {
      for (const [egress, e] of Object.entries(EGRESSES)) {
        // Optional components on, so fetchmail (a mail sender) and webdav are covered too.
        const config = cfg({
          exposure: x,
          web: w,
          egress: e,
          components: { webdav: true, fetchmail: true, tika: true },
        });
        const traefikVersion = x.mode === 'traefik' && x.traefik?.version === 2 ? 2 : 3;
        out.push({ name: `${exposure} × web ${web} × egress ${egress}`, exposure, web, egress, config, traefikVersion });
      }
    }
  }
  return out;
}
