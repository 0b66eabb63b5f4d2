// One operator replica as its own process (so `kill -9` is real), for failover tests and the
// fault benchmark: argv = kubeconfig, config file, identity, and optionally a JSON object of
// timings. Logs JSON lines to stdout; SIGTERM stops it gracefully (lease released), as the CLI does.
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../../src/operator/logger.js';
import { Operator } from '../../src/operator/operator.js';
import type { OperatorTimings } from '../../src/operator/timings.js';
import { loadConfigFile } from '../../src/validation/index.js';

const [kubeconfig, configPath, identity, timingsJson] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig!);
const log = createLogger({ level: 'info' });
const op = new Operator({
  config: loadConfigFile(configPath!).config,
  kubeConfig: kc,
  identity,
  metricsPort: 0,
  metricsHost: '127.0.0.1',
  logger: log,
  timings: timingsJson ? (JSON.parse(timingsJson) as Partial<OperatorTimings>) : undefined,
});
await op.start();
process.once('SIGTERM', () => {
  log.info({ signal: 'SIGTERM' }, 'stopping');
  void op.stop().then(() => {
    log.flush?.();
    process.exit(0);
  });
});
