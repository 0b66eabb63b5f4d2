// HTTP in front of Mailu: an Ingress, a Traefik IngressRoute or a Gateway API HTTPRoute. TLS ends
// at that proxy; it forwards plain HTTP to front:80 and Mailu runs TLS_FLAVOR=mail (no redirect).
import { Construct } from 'constructs';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { MailuConfig } from '../../config/schema.js';
import { objectLabels } from '../../model/labels.js';
import { emit, type Manifest } from '../api.js';

export interface WebRouteProps {
  instance: string;
  namespace: string;
  web: Exclude<MailuConfig['web'], { kind: 'none' }>;
  hosts: string[];
  frontService: string;
  backendPort: number;
  tlsSecretName?: string;
}

export class WebRoute extends Construct {
  constructor(scope: Construct, id: string, props: WebRouteProps) {
    super(scope, id);
    const { instance, namespace, web, hosts } = props;
    const metadata = { name: `${instance}-web`, namespace, labels: objectLabels(instance, 'front') };
    switch (web.kind) {
      case 'ingress':
        emit<Ingress & Manifest>(this, {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { ...metadata, ...(Object.keys(web.annotations).length > 0 ? { annotations: web.annotations } : {}) },
          spec: {
            ingressClassName: web.className,
            ...(props.tlsSecretName ? { tls: [{ hosts, secretName: props.tlsSecretName }] } : {}),
            rules: hosts.map((host) => ({
              host,
              http: {
                paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: props.frontService, port: { number: props.backendPort } } } }],
              },
            })),
          },
        });
        break;
      case 'traefik':
        emit(this, {
          apiVersion: 'traefik.io/v1alpha1',
          kind: 'IngressRoute',
          metadata,
          spec: {
            entryPoints: web.entryPoints,
            routes: [
              {
                kind: 'Rule',
                match: hosts.map((h) => `Host(\`${h}\`)`).join(' || '),
                services: [{ name: props.frontService, port: props.backendPort }],
              },
            ],
            ...(props.tlsSecretName ? { tls: { secretName: props.tlsSecretName } } : {}),
          },
        });
        break;
      case 'gatewayApi':
        emit(this, {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata,
          spec: {
            parentRefs: [
              {
                name: web.parentRef.name,
                ...(web.parentRef.namespace ? { namespace: web.parentRef.namespace } : {}),
                ...(web.parentRef.sectionName ? { sectionName: web.parentRef.sectionName } : {}),
              },
            ],
            hostnames: hosts,
            rules: [{ backendRefs: [{ name: props.frontService, port: props.backendPort }] }],
          },
        });
        break;
    }
  }
}
