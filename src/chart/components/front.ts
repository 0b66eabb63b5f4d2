import { Construct } from 'constructs';
import type { ConfigMap, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { MtaStsPolicy } from '../../model/exposure.js';
import { objectLabels } from '../../model/labels.js';
import { emit, type Manifest } from '../api.js';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export interface FrontProps extends ComponentProps {
  /** kubernetes.io/tls Secret with the certificate for mail and HTTPS; none → no TLS. */
  tlsSecretName?: string;
  kind: 'Deployment' | 'DaemonSet';
  nodeSelector?: Record<string, string>;
  /** Ports bound on the node's address (hostPort exposure). */
  hostPorts: number[];
  podAnnotations?: Record<string, string>;
  /** nginx snippets for front's /overrides (file name → content), e.g. the MTA-STS policy. */
  overrides?: Record<string, string>;
}

/**
 * nginx location serving each mail domain's MTA-STS policy (RFC 8461) on https://mta-sts.<domain>/,
 * in that domain's mode; any other host has none (404). The snippet lands in a server block, where
 * nginx has no `map`; an `if` holding only a `return` is the safe use of `if`.
 */
export function mtaStsOverride(policies: readonly MtaStsPolicy[], mxHosts: string[]): string {
  const body = (mode: MtaStsPolicy['mode']) =>
    ['version: STSv1', `mode: ${mode}`, ...mxHosts.map((h) => `mx: ${h}`), `max_age: ${mode === 'enforce' ? 604800 : 86400}`, ''].join('\\r\\n');
  return [
    'location = /.well-known/mta-sts.txt {',
    '  default_type text/plain;',
    ...policies.map((p) => `  if ($host = "${p.host}") { return 200 "${body(p.mode)}"; }`),
    '  return 404;',
    '}',
    '',
  ].join('\n');
}

/** nginx + dovecot proxy: every public mail and web connection enters here. */
export class Front extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: FrontProps) {
    super(scope, id);
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [];
    if (props.tlsSecretName) {
      // Whole-Secret mount (no subPath): kubelet swaps renewed certificates in place and front's
      // certwatcher reloads nginx and dovecot, no restart needed.
      volumes.push({ name: 'certs', secret: { secretName: props.tlsSecretName } });
      mounts.push({ name: 'certs', mountPath: '/certs', readOnly: true });
    }
    if (props.overrides && Object.keys(props.overrides).length > 0) {
      const name = `${props.component.objectName}-overrides`;
      emit<ConfigMap & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: props.ctx.namespace, labels: objectLabels(props.ctx.instance, 'front') },
        data: props.overrides,
      });
      volumes.push({ name: 'overrides', configMap: { name } });
      mounts.push({ name: 'overrides', mountPath: '/overrides', readOnly: true });
    }
    const probe = shellProbe('curl -m3 -skfLo /dev/null http://127.0.0.1:10204/health && kill -0 "$(cat /run/dovecot/master.pid)"');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      extraVolumes: volumes,
      extraMounts: mounts,
      startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 24 },
      livenessProbe: probe,
      readinessProbe: readiness(probe),
    });
  }
}
