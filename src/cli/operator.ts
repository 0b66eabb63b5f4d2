// `mailu-k8s operator`: runs the DNS operator until SIGTERM/SIGINT, then stops gracefully
// (finishes the running pass, releases the lease so a standby takes over at once).
import * as k8s from '@kubernetes/client-node';
import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../validation/index.js';
import { createLogger, type LogLevel } from '../operator/logger.js';
import { Operator } from '../operator/operator.js';

export interface OperatorCliOptions {
  /** Mailu config file (YAML), normally mounted from the chart's ConfigMap. */
  config: string;
  /** kubeconfig file; default: in-cluster when running in a pod, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** Force the in-cluster service account config. */
  inCluster?: boolean;
  /** Namespace to watch and write in; default the config's namespace. */
  namespace?: string;
  /** Port of /healthz, /readyz and /metrics; default dns.operator.metricsPort. */
  metricsPort?: number;
  metricsHost?: string;
  logLevel?: LogLevel;
  /** Lease holder identity; default $POD_NAME, else host-pid. */
  identity?: string;
}

export const LOG_LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function loadKubeConfig(opts: Pick<OperatorCliOptions, 'kubeconfig' | 'inCluster'>): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfig) {
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (e) {
      throw new ConfigError([{ path: '--kubeconfig', message: `cannot load ${opts.kubeconfig}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
    }
  }
  else if (opts.inCluster || process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured (pass --kubeconfig or run in a pod)');
  return kc;
}

/** Runs until a termination signal; resolves with the process exit code. */
export async function runOperator(opts: OperatorCliOptions): Promise<number> {
  const level = opts.logLevel ?? ((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info');
  if (!LOG_LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  const log = createLogger({ level });
  const { config, warnings } = loadConfigFile(opts.config);
  for (const w of warnings) log.warn({ config: opts.config }, w);
  if (!config.dns.operator.enabled) log.warn('dns.operator.enabled is false in the config; running anyway');
  const operator = new Operator({
    config,
    kubeConfig: loadKubeConfig(opts),
    namespace: opts.namespace ?? process.env.POD_NAMESPACE,
    identity: opts.identity,
    metricsPort: opts.metricsPort,
    metricsHost: opts.metricsHost,
    logger: log,
    defaultMetrics: true,
  });
  await operator.start();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      operator.stop().then(
        () => {
          log.flush?.();
          resolve(0);
        },
        (err: unknown) => {
          log.error({ err: String(err) }, 'unclean stop');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
