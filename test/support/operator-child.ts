// Runs `mailu-k8s operator` (runOperator) in a child process, for the SIGTERM test.
import { runOperator } from '../../src/cli/operator.js';

const [kubeconfig, config] = process.argv.slice(2);
const code = await runOperator({ kubeconfig, config, metricsPort: 0, metricsHost: '127.0.0.1', identity: 'child-pod', logLevel: 'info' });
process.exit(code);
