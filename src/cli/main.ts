// The mailu-k8s command line. Wiring only: each command loads its implementation lazily, so
// `synth` never pays for the operator's or the doctor's dependencies.
import { Command, Option } from 'commander';
import { z } from 'zod';
import { runCommand } from './run.js';

// The CLI parses one config per process: compiling zod's JIT parsers would cost more than it saves.
z.config({ jitless: true });

const program = new Command();
program
  .name('mailu-k8s')
  .description('Mailu on Kubernetes: generate manifests, keep DNS true, check deliverability')
  .version('0.1.0')
  .showHelpAfterError()
  // Usage mistakes (unknown option, missing --config, bad choice) are bad input: exit 2, like an
  // invalid config. Help and version still exit 0. Subcommands inherit this.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('synth')
  .description('write the Kubernetes manifests for a config (default: the embedded example.com config)')
  .option('-c, --config <file>', 'config file (YAML)')
  .option('-o, --out <dir>', 'output directory', 'dist')
  .option('--split', 'one file per object plus kustomization.yaml')
  .option('--diagram', 'also write topology.svg, the mail paths, next to the manifests')
  .action((opts: { config?: string; out: string; split?: boolean; diagram?: boolean }) =>
    runCommand(async () => (await import('./synth.js')).runSynth(opts)),
  );

program
  .command('validate')
  .description('validate a config file without writing anything')
  .requiredOption('-c, --config <file>', 'config file (YAML)')
  .action((opts: { config: string }) => runCommand(async () => (await import('./synth.js')).runValidate(opts)));

program
  .command('diff')
  .description('show, object by object, what a new synth would change in an existing output directory (exit 0: none, 1: changes)')
  .option('-c, --config <file>', 'config file (YAML; default: the embedded example.com config)')
  .option('-o, --out <dir>', 'the output directory an earlier synth wrote', 'dist')
  .action((opts: { config?: string; out: string }) => runCommand(async () => (await import('./diff.js')).runDiff(opts)));

program
  .command('schema')
  .description('print the JSON Schema of the config file (for editors)')
  .action(() => runCommand(async () => (await import('./schema.js')).runSchema()));

program
  .command('import-helm')
  .description('turn the official Mailu Helm chart\'s values into a mailu-k8s config (keeps the release\'s volumes)')
  .argument('<values>', 'the Helm release\'s values file (helm get values <release> -o yaml)')
  .option('--release <name>', 'the Helm release name: the chart names its claims and Secrets after it', 'mailu')
  .option('-n, --namespace <ns>', 'the release\'s namespace', 'mailu')
  .option('-o, --out <file>', 'write the config here instead of stdout')
  .action((values: string, opts: { release: string; namespace: string; out?: string }) =>
    runCommand(async () => (await import('./import-helm.js')).runImportHelm(values, opts)),
  );

const dns = program.command('dns').description('DNS records for the deployment');
dns
  .command('plan')
  .description('print every DNS record the deployment needs')
  .option('-c, --config <file>', 'config file (YAML)')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['zone', 'json', 'table']).default('table'))
  .option('-d, --domain <name>', 'only this mail domain (default: every domain, one zone each)')
  .action((opts: { config?: string; format: 'zone' | 'json' | 'table'; domain?: string }) =>
    runCommand(async () => (await import('./dns.js')).runDnsPlan(opts)),
  );

program
  .command('diagram')
  .description('draw the mail paths: inbound exposure, internal calls, outbound egress, DNS publishers, warnings')
  .option('-c, --config <file>', 'config file (YAML)')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['svg', 'mermaid', 'dot']).default('svg'))
  .option('-o, --out <file>', 'write to this file instead of stdout')
  .action((opts: { config?: string; format: 'svg' | 'mermaid' | 'dot'; out?: string }) =>
    runCommand(async () => (await import('./diagram.js')).runDiagram(opts)),
  );

const collect = (v: string, prev: string[] = []) => [...prev, v];
program
  .command('doctor')
  .description('check live DNS and deliverability (SPF, PTR, DKIM, DMARC, MX, SRV, MTA-STS) against the plan')
  .option('-c, --config <file>', 'config file (YAML)')
  .option('--resolver <host[:port]>', 'DNS server to ask (repeatable; default: the system resolvers)', collect)
  .option('--egress-ip <ip>', 'address mail leaves from (repeatable; default: from the config)', collect)
  .option('--expect-ip <ip>', 'address the primary hostname must resolve to (repeatable)', collect)
  .option('--smtp <host[:port]>', 'also probe this SMTP server: banner and STARTTLS')
  .option('--timeout <ms>', 'per-query DNS timeout in milliseconds', '2000')
  .option('--json', 'machine-readable report')
  .option('--strict', 'warnings fail too')
  .option('-d, --domain <name>', 'check only this mail domain (default: every domain of the config)')
  .action((opts: Record<string, unknown>) => runCommand(async () => (await import('./doctor.js')).runDoctor(opts)));

program
  .command('operator')
  .description('run the DNS operator: keeps the A/AAAA and SPF DNSEndpoints true as pods and nodes move')
  .requiredOption('-c, --config <file>', 'the Mailu config file (mounted from the chart\'s ConfigMap)')
  .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster in a pod, else $KUBECONFIG / ~/.kube/config)')
  .option('--in-cluster', 'use the pod\'s service account')
  .option('-n, --namespace <ns>', 'namespace to watch and write in (default: from the config)')
  .option('--metrics-port <port>', 'port of /healthz, /readyz and /metrics (default: dns.operator.metricsPort)', (v) => Number(v))
  .option('--metrics-host <host>', 'address to listen on')
  .option('--log-level <level>', 'trace | debug | info | warn | error', process.env.LOG_LEVEL)
  .option('--identity <id>', 'leader-election identity (default: $POD_NAME)')
  .action((opts: Record<string, unknown>) => runCommand(async () => (await import('./operator.js')).runOperator(opts as never)));

void program.parseAsync(process.argv);
