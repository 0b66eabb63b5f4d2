// The configs the diagram tests draw: every exposure mode (with a web kind each, so every web path
// is drawn too) × every egress mode, plus the DNS publishers' variants.
import type { MailuConfigInput } from '../../src/config/schema.js';
import { buildDiagram, type Diagram, diagramInput } from '../../src/diagram/index.js';
import { buildModel, type MailuModel } from '../../src/model/index.js';
import { parseConfigWithWarnings } from '../../src/validation/index.js';
import type { DnsPlan } from '../../src/dns/types.js';
import { cfg } from '../support/chart-helpers.js';
import { EGRESSES, LB_PROXY_CIDRS, TRAEFIK_PROXY_CIDRS } from '../networking/fixtures.js';

type Section<K extends keyof MailuConfigInput> = NonNullable<MailuConfigInput[K]>;

// Databases vary with the exposure so that their flows are drawn too (CloudNativePG's instances
// talk to each other, an external database is reached anywhere).
export const EXPOSURE_MODES: Record<string, { exposure: Section<'exposure'>; web: Section<'web'>; database?: Section<'database'> }> = {
  hostPort: { exposure: { mode: 'hostPort', hostPort: { nodeSelector: { 'mail.example.com/front': 'true' } } }, web: { kind: 'none' } },
  loadBalancer: { exposure: { mode: 'loadBalancer', loadBalancer: { loadBalancerIP: '203.0.113.20' } }, web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.42.7.0/24'] } },
  'loadBalancer PROXY': {
    exposure: { mode: 'loadBalancer', ports: [465, 587, 993], loadBalancer: { proxyProtocol: { trustedCidrs: LB_PROXY_CIDRS } } },
    web: { kind: 'gatewayApi', parentRef: { name: 'public', namespace: 'gateway' }, namespace: 'gateway' },
  },
  traefik: {
    exposure: { mode: 'traefik', ports: [25, 465, 993, 4190], traefik: { trustedProxyCidrs: TRAEFIK_PROXY_CIDRS, loadBalancerProxyCidrs: ['192.0.2.0/28'] } },
    web: { kind: 'traefik', realIpFrom: TRAEFIK_PROXY_CIDRS },
    database: { type: 'cnpg' },
  },
};

export interface Mode {
  name: string;
  exposure: string;
  egress: string;
  config: MailuConfigInput;
}

export function modes(): Mode[] {
  return Object.entries(EXPOSURE_MODES).flatMap(([exposure, x]) =>
    Object.entries(EGRESSES).map(([egress, e]) => ({
      name: `${exposure} × ${egress}`,
      exposure,
      egress,
      config: cfg({ ...x, egress: e, components: { webdav: true, fetchmail: true, tika: true } }),
    })),
  );
}

/** The DNS operator publishes the front address and SPF (hostPort, senders found live). */
export const OPERATOR: MailuConfigInput = cfg({
  exposure: { mode: 'hostPort' },
  egress: { mode: 'nodeIps', nodeSelector: { 'mail.example.com/sender': 'true' } },
  dns: { operator: { enabled: true }, externalDns: { enabled: true } },
});

/** external-dns publishes the static plan and, through its pod source, the front address. */
export const POD_SOURCE: MailuConfigInput = cfg({
  exposure: { mode: 'hostPort' },
  dns: { externalDns: { enabled: true, podSource: true } },
});

export interface Drawn {
  model: MailuModel;
  plan: DnsPlan;
  warnings: string[];
  diagram: Diagram;
}

export function draw(raw: MailuConfigInput): Drawn {
  const { config, warnings } = parseConfigWithWarnings(structuredClone(raw));
  const input = diagramInput(config, warnings);
  return { ...input, diagram: buildDiagram(input) };
}
