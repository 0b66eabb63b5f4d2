// Opt-in Prometheus scraping (metrics.enabled) through prometheus-operator: a ServiceMonitor or a
// PodMonitor per target, in Mailu's namespace. Targets are what exposes Prometheus metrics: rspamd's
// controller (/metrics on 11334, which Mailu's Service already offers) and the DNS operator
// (/metrics on dns.operator.metricsPort; a Service is added for a ServiceMonitor to find it). The
// NetworkPolicies admit the monitoring namespace to exactly these ports (model/flows.ts).
import { Construct } from 'constructs';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { MailuConfig } from '../config/schema.js';
import { OPERATOR_POD, RSPAMD_CONTROLLER_PORT } from '../model/flows.js';
import { objectLabels, selectorLabels } from '../model/labels.js';
import { emit, type Manifest } from './api.js';

/** One scrape target: pods (and their Service) by selector, a named port and a path. */
export interface MetricsTarget {
  /** Object name of the monitor (and of the operator's metrics Service). */
  name: string;
  component: string;
  /** Port name: on the container (PodMonitor) and on the Service (ServiceMonitor). */
  port: string;
  path: string;
}

/** The targets of a config: rspamd always, the DNS operator when it runs. */
export function metricsTargets(config: MailuConfig): MetricsTarget[] {
  const targets: MetricsTarget[] = [{ name: `${config.instance}-antispam`, component: 'antispam', port: 'http', path: '/metrics' }];
  if (config.dns.operator.enabled) {
    targets.push({ name: `${config.instance}-${OPERATOR_POD}`, component: OPERATOR_POD, port: 'metrics', path: '/metrics' });
  }
  return targets;
}

export interface MetricsMonitorsProps {
  config: MailuConfig;
}

export class MetricsMonitors extends Construct {
  constructor(scope: Construct, id: string, props: MetricsMonitorsProps) {
    super(scope, id);
    const { config } = props;
    const m = config.metrics;
    const { instance, namespace } = config;
    for (const t of metricsTargets(config)) {
      const labels = { ...m.labels, ...objectLabels(instance, t.component) };
      const endpoint = { port: t.port, path: t.path, ...(m.interval ? { interval: m.interval } : {}) };
      const common = {
        selector: { matchLabels: selectorLabels(instance, t.component) },
        namespaceSelector: { matchNames: [namespace] },
      };
      if (m.kind === 'serviceMonitor') {
        if (t.component === OPERATOR_POD) this.operatorService(config, t);
        emit(this, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: t.name, namespace, labels }, spec: { ...common, endpoints: [endpoint] } });
      } else {
        emit(this, { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: t.name, namespace, labels }, spec: { ...common, podMetricsEndpoints: [endpoint] } });
      }
    }
  }

  /** The operator has no Service of its own; a ServiceMonitor finds pods only through one. */
  private operatorService(config: MailuConfig, t: MetricsTarget): void {
    emit<Service & Manifest>(this, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: t.name, namespace: config.namespace, labels: objectLabels(config.instance, OPERATOR_POD) },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(config.instance, OPERATOR_POD),
        ports: [{ name: t.port, port: config.dns.operator.metricsPort, targetPort: t.port, protocol: 'TCP' }],
      },
    });
  }
}

export { RSPAMD_CONTROLLER_PORT };
