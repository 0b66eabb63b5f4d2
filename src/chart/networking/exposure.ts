// How the world reaches front's public ports: nothing extra for hostPort (the pod binds them), a
// LoadBalancer Service that keeps client addresses, or Traefik TCP routes that send PROXY v2.
import { Construct } from 'constructs';
import type { Service } from 'kubernetes-types/core/v1.js';
import { stringify } from 'yaml';
import type { MailuConfig } from '../../config/schema.js';
import { type Exposure, traefikMinor } from '../../model/exposure.js';
import { objectLabels, selectorLabels } from '../../model/labels.js';
import { K3S_TRAEFIK_CHART } from '../../model/platform.js';
import { traefikContainerPort } from '../../model/ports.js';
import { emit, type Manifest } from '../api.js';
import { toYamlDocument } from '../yaml-out.js';

type LoadBalancerConfig = Extract<MailuConfig['exposure'], { mode: 'loadBalancer' }>['loadBalancer'];
type TraefikConfig = Extract<MailuConfig['exposure'], { mode: 'traefik' }>['traefik'];

export interface PublicServiceProps {
  instance: string;
  namespace: string;
  exposure: Exposure;
  /** Set for a LoadBalancer; absent for the ClusterIP Service Traefik routes to. */
  loadBalancer?: LoadBalancerConfig;
}

/** `<instance>-front-public`: the Service carrying exactly the public ports. */
export class FrontPublicService extends Construct {
  readonly name: string;
  constructor(scope: Construct, id: string, props: PublicServiceProps) {
    super(scope, id);
    const lb = props.loadBalancer;
    this.name = `${props.instance}-front-public`;
    emit<Service & Manifest>(this, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: this.name,
        namespace: props.namespace,
        labels: objectLabels(props.instance, 'front'),
        ...(lb && Object.keys(lb.annotations).length > 0 ? { annotations: lb.annotations } : {}),
      },
      spec: {
        type: lb ? 'LoadBalancer' : 'ClusterIP',
        selector: selectorLabels(props.instance, 'front'),
        ports: props.exposure.publicPorts.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })),
        ...(lb
          ? {
              // Local keeps the client's source address (Cluster would SNAT it into SUBNET).
              externalTrafficPolicy: lb.externalTrafficPolicy,
              ...(lb.loadBalancerIP ? { loadBalancerIP: lb.loadBalancerIP } : {}),
              ...(lb.loadBalancerClass ? { loadBalancerClass: lb.loadBalancerClass } : {}),
              // Dual-stack: both families (model/dual-stack.ts), so IPv6 clients reach the same front.
              ...props.exposure.serviceFamilies,
            }
          : {}),
      },
    });
  }
}

/** Does this Traefik send PROXY through a ServersTransportTCP (>= 3.5.2) or per service? */
export function traefikUsesServersTransport(t: Pick<TraefikConfig, 'version' | 'minorVersion'>): boolean {
  if (t.version === 2) return false;
  const { minor, patch } = traefikMinor(t);
  return minor > 5 || (minor === 5 && patch >= 2);
}

export function entryPointName(t: TraefikConfig, port: number, fallback: string): string {
  return t.entryPoints[String(port) as keyof typeof t.entryPoints] ?? fallback;
}

export interface TraefikRoutesProps {
  instance: string;
  namespace: string;
  exposure: Exposure;
  traefik: TraefikConfig;
  serviceName: string;
}

/** One IngressRouteTCP per public mail port; TLS passes through untouched to front. */
export class TraefikMailRoutes extends Construct {
  constructor(scope: Construct, id: string, props: TraefikRoutesProps) {
    super(scope, id);
    const { instance, namespace, traefik } = props;
    const labels = objectLabels(instance, 'front');
    const transport = traefikUsesServersTransport(traefik) ? `${instance}-front-proxy-v2` : undefined;
    if (transport) {
      emit(this, {
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'ServersTransportTCP',
        metadata: { name: transport, namespace, labels },
        // Always explicit: the CRD provider does not default an empty proxyProtocol block.
        spec: { proxyProtocol: { version: 2 } },
      });
    }
    for (const p of props.exposure.publicPorts) {
      emit(this, {
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRouteTCP',
        metadata: { name: `${instance}-${p.name}`, namespace, labels },
        spec: {
          entryPoints: [entryPointName(traefik, p.port, p.mail?.entryPoint ?? p.name)],
          routes: [
            {
              // Plain TCP: no TLS block, so Traefik neither terminates TLS nor needs SNI.
              match: 'HostSNI(`*`)',
              services: [
                transport
                  ? { name: props.serviceName, port: p.port, serversTransport: transport }
                  : { name: props.serviceName, port: p.port, proxyProtocol: { version: 2 } },
              ],
            },
          ],
        },
      });
    }
  }
}

/**
 * Values for the Traefik Helm chart matching the routes: one entry point per mail port, the
 * Service keeping client addresses, and PROXY trust only for a load balancer that sends it.
 */
export function traefikValues(exposure: Exposure, t: TraefikConfig): Record<string, unknown> {
  const ports: Record<string, unknown> = {};
  for (const p of exposure.publicPorts) {
    const name = entryPointName(t, p.port, p.mail?.entryPoint ?? p.name);
    ports[name] = {
      // Traefik runs unprivileged: listen high inside the pod, expose the real port.
      port: traefikContainerPort(p.port),
      exposedPort: p.port,
      protocol: 'TCP',
      expose: t.version === 3 ? { default: true } : true,
      ...(t.loadBalancerProxyCidrs.length > 0 ? { proxyProtocol: { trustedIPs: t.loadBalancerProxyCidrs } } : {}),
    };
  }
  // The chart writes each entry point as --entryPoints.<name>.address=:<port>/tcp: no host part,
  // so Traefik listens on every address of both families. Its Service gets both families too.
  const families = exposure.serviceFamilies ?? {};
  return { ports, service: { ...families, spec: { externalTrafficPolicy: 'Local' } } };
}

const valuesYaml = (values: Record<string, unknown>) => stringify(values, { version: '1.1' });

/** `traefik-values.yaml`: the values for a Traefik Helm release the user runs. */
export function traefikHelmValues(exposure: Exposure, t: TraefikConfig): string {
  const header = [
    '# Traefik Helm chart values generated by mailu-k8s (not applied by it).',
    '# Merge into your Traefik release: helm upgrade traefik traefik/traefik -f traefik-values.yaml',
    '# externalTrafficPolicy: Local keeps client addresses, which Traefik passes on to Mailu as PROXY v2.',
    '',
  ].join('\n');
  return header + valuesYaml(traefikValues(exposure, t));
}

/** The same values as a k3s HelmChartConfig, the one way to configure k3s's packaged Traefik. */
export function traefikHelmChartConfig(exposure: Exposure, t: TraefikConfig): Record<string, unknown> {
  return {
    apiVersion: 'helm.cattle.io/v1',
    kind: 'HelmChartConfig',
    metadata: { name: K3S_TRAEFIK_CHART.name, namespace: K3S_TRAEFIK_CHART.namespace },
    spec: { valuesContent: valuesYaml(traefikValues(exposure, t)) },
  };
}

/** `traefik-helmchartconfig.yaml`: applied by the user (or k3s's auto-deploy directory), not with the rest. */
export function traefikHelmChartConfigFile(exposure: Exposure, t: TraefikConfig): string {
  const header = [
    "# k3s HelmChartConfig for its packaged Traefik, generated by mailu-k8s: k3s's helm-controller",
    '# upgrades Traefik with these values. It changes a cluster-wide component, so it is not part of',
    '# the Mailu manifests: kubectl apply -f traefik-helmchartconfig.yaml (if you already have a',
    '# HelmChartConfig named traefik in kube-system, merge these values into its valuesContent).',
    '',
  ].join('\n');
  return header + toYamlDocument(traefikHelmChartConfig(exposure, t));
}
