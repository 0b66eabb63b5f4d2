// workloads.* and services.* refuse what would bypass a typed decision (trust, wiring, a
// protection, single-writer data, host ports) and bad Kubernetes values, each naming its field;
// the unchecked parts (envFrom, knobs for components that do not run) are warnings.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { MANAGED_ENV, TUNABLE_ENV } from '../../src/model/env-policy.js';
import { buildModel } from '../../src/model/index.js';
import { OPERATOR_OWNED_ENV } from '../../src/model/workloads.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import { BASE, cfg, cli, ensureBuilt, render } from '../support/chart-helpers.js';
import { issuesOf, messageAt } from '../support/config-issues.js';

type Workloads = NonNullable<MailuConfigInput['workloads']>;
const withWorkloads = (workloads: Workloads, over: Partial<MailuConfigInput> = {}) => cfg({ workloads, ...over });
const warningsOf = (config: MailuConfigInput) => parseConfigWithWarnings(config).warnings;
/** A tunable whose value is checked (so a reference would hide it), from the policy itself. */
const CHECKED = Object.entries(TUNABLE_ENV).find(([, t]) => t.check)?.[0];

describe('workloads.*: replicas only where several pods are safe', () => {
  for (const name of ['admin', 'smtp', 'imap', 'antispam', 'antivirus', 'webdav', 'fetchmail', 'redis'] as const) {
    it(`${name} runs one pod: replicas 2 is refused with the reason`, () => {
      const message = messageAt(withWorkloads({ [name]: { replicas: 2 } }, { components: { webdav: true, fetchmail: true } }), `workloads.${name}.replicas`);
      assert.match(message, new RegExp(`^${name} runs one pod: `));
    });
  }

  it('front on host ports: one pod (or the DaemonSet), never a replica count', () => {
    assert.match(messageAt(withWorkloads({ front: { replicas: 2 } }), 'workloads.front.replicas'), /host ports.*daemonSet: true/);
  });

  it('webmail: several pods need an external database for Roundcube and a ReadWriteMany claim', () => {
    const sqlite = issuesOf(() => parseConfig(withWorkloads({ webmail: { replicas: 2 } })));
    assert.ok(sqlite.some((i) => i.path === 'workloads.webmail.replicas' && /SQLite/.test(i.message)));
    assert.ok(sqlite.some((i) => i.path === 'workloads.webmail.replicas' && /storage.mode shared/.test(i.message)));
    assert.doesNotThrow(() => parseConfig(withWorkloads({ webmail: { replicas: 2 } }, { database: { type: 'cnpg' }, storage: { mode: 'shared' } })));
    assert.doesNotThrow(() => parseConfig(withWorkloads({ webmail: { replicas: 2 } }, { components: { webmail: 'snappymail' }, storage: { mode: 'shared' } })));
  });

  it('the resolver never runs fewer than two, the operator at most five', () => {
    assert.match(messageAt(withWorkloads({ resolver: { replicas: 1 } }), 'workloads.resolver.replicas'), /from 2 to 9/);
    assert.match(messageAt(withWorkloads({ dnsOperator: { replicas: 6 } }, { dns: { operator: { enabled: true } } }), 'workloads.dnsOperator.replicas'), /from 1 to 5/);
  });

  it('a count set twice (the older key and workloads) is refused, naming both', () => {
    const lb = messageAt(withWorkloads({ front: { replicas: 2 } }, { exposure: { mode: 'loadBalancer', loadBalancer: { replicas: 3 } } }), 'workloads.front.replicas');
    assert.match(lb, /exposure\.loadBalancer\.replicas/);
    assert.match(messageAt(withWorkloads({ resolver: { replicas: 3 } }, { resolver: { replicas: 3 } }), 'workloads.resolver.replicas'), /resolver\.replicas .*older spelling/);
  });

  it('replicas and image belong to a component, not to workloads.default', () => {
    assert.match(messageAt(withWorkloads({ default: { replicas: 2 } }), 'workloads.default.replicas'), /per component/);
    assert.match(messageAt(withWorkloads({ default: { image: { tag: 'x' } } }), 'workloads.default.image'), /mailu\.registry and mailu\.version/);
  });
});

describe('workloads.*.env: the same refusals as mailu.env', () => {
  it('a variable that decides trust or wiring points to its typed field', () => {
    assert.equal(messageAt(withWorkloads({ admin: { env: { SUBNET: '0.0.0.0/0' } } }), 'workloads.admin.env.SUBNET'), `is set by mailu-k8s; configure ${MANAGED_ENV.SUBNET} instead`);
    assert.match(messageAt(withWorkloads({ front: { env: { REAL_IP_FROM: '0.0.0.0/0' } } }), 'workloads.front.env.REAL_IP_FROM'), /trustedProxyCidrs/);
    assert.match(messageAt(withWorkloads({ smtp: { env: { ADMIN_ADDRESS: 'evil.example.com' } } }), 'workloads.smtp.env.ADMIN_ADDRESS'), /service discovery/);
    assert.match(messageAt(withWorkloads({ default: { env: { PROXY_PROTOCOL_25: 'true' } } }), 'workloads.default.env.PROXY_PROTOCOL_25'), /derived by Mailu/);
  });

  it('a protection cannot be switched off, neither in a value nor in a third-party image\'s env', () => {
    assert.match(messageAt(withWorkloads({ smtp: { env: { RELAYNETS: '0.0.0.0/0' } } }), 'workloads.smtp.env.RELAYNETS'), /is refused: relays mail/);
    assert.match(messageAt(withWorkloads({ tika: { env: { LD_PRELOAD: '/x.so' } } }, { components: { tika: true } }), 'workloads.tika.env.LD_PRELOAD'), /injects code/);
    assert.match(messageAt(withWorkloads({ front: { env: { SUBNET_FILE: '/tmp/x' } } }), 'workloads.front.env.SUBNET_FILE'), /cluster\.podCidr/);
  });

  it('every variable mailu-k8s sets on a component is refused there (no duplicate, no override)', () => {
    const model = buildModel(parseConfig(cfg({ secrets: { apiToken: { name: 'api' }, initialAdmin: { secret: { name: 'adm' } } }, database: { type: 'postgresql', host: 'db', secret: { name: 'db' } } })));
    for (const [component, env] of Object.entries(model.env.perComponent)) {
      for (const v of env ?? []) {
        assert.match(messageAt(withWorkloads({ [component]: { env: { [v.name]: 'x' } } }), `workloads.${component}.env.${v.name}`), /set by mailu-k8s/, `${component} ${v.name}`);
      }
    }
  });

  it('a checked setting must be written as a value: a Secret, ConfigMap or _FILE would hide it', { skip: CHECKED === undefined && 'no checked tunable left' }, () => {
    const ref = { configMapKeyRef: { name: 'tunables', key: 'k' } };
    assert.match(messageAt(withWorkloads({ admin: { env: { [CHECKED!]: ref } } }), `workloads.admin.env.${CHECKED}`), /cannot be checked/);
    assert.match(messageAt(withWorkloads({ admin: { env: { [`${CHECKED}_FILE`]: '/run/x' } } }), `workloads.admin.env.${CHECKED}_FILE`), /from a file/);
  });

  it('Mailu images take Mailu settings and proxy variables; third-party images any other name', () => {
    assert.match(messageAt(withWorkloads({ admin: { env: { WELCOM: 'true' } } }), 'workloads.admin.env.WELCOM'), /not a Mailu 2024\.06 setting workloads\.admin\.env passes on/);
    assert.doesNotThrow(() => parseConfig(withWorkloads({ admin: { env: { HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.svc' } }, antivirus: { env: { CLAMAV_NO_FRESHCLAMD: 'false' } } })));
  });

  it('a secret comes from a Secret, never as a value', () => {
    assert.match(messageAt(withWorkloads({ admin: { env: { RECAPTCHA_PRIVATE_KEY: 'plain' } } }), 'workloads.admin.env.RECAPTCHA_PRIVATE_KEY'), /secretKeyRef/);
    assert.doesNotThrow(() => parseConfig(withWorkloads({ admin: { env: { RECAPTCHA_PRIVATE_KEY: { secretKeyRef: { name: 'r', key: 'k' } } } } })));
  });

  it('the DNS operator\'s identity, API access and memory tuning are mailu-k8s\'s, also through workloads.default', () => {
    const op = { dns: { operator: { enabled: true } } };
    const set = render(cfg(op)).objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('dns-operator')) as unknown as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } };
    const names = set.spec.template.spec.containers[0]!.env.map((e) => e.name);
    assert.ok(names.length >= 3);
    for (const name of names) {
      assert.ok(OPERATOR_OWNED_ENV.test(name), `${name} is refused`);
      assert.match(messageAt(withWorkloads({ dnsOperator: { env: { [name]: 'x' } } }, op), `workloads.dnsOperator.env.${name}`), /set by mailu-k8s/);
    }
    assert.match(messageAt(withWorkloads({ dnsOperator: { env: { KUBERNETES_SERVICE_HOST: '203.0.113.9' } } }, op), 'workloads.dnsOperator.env.KUBERNETES_SERVICE_HOST'), /API access/);
    assert.ok(issuesOf(() => parseConfig(withWorkloads({ default: { env: { POD_NAME: 'x' } } }, op))).some((i) => i.path === 'workloads.default.env.POD_NAME'));
  });

  it('envFrom cannot be checked: a warning per source, naming it', () => {
    const w = warningsOf(withWorkloads({ default: { envFrom: [{ configMapRef: { name: 'extra' } }] }, admin: { envFrom: [{ secretRef: { name: 'vault-env' } }] } }));
    assert.ok(w.some((l) => l.startsWith('workloads.default.envFrom[0]: the variables in ConfigMap extra cannot be checked')), w.join('\n'));
    assert.ok(w.some((l) => l.startsWith('workloads.admin.envFrom[0]: the variables in Secret vault-env cannot be checked')), w.join('\n'));
  });
});

describe('workloads.*: labels, annotations, nodes and images mailu-k8s decides', () => {
  it('selector labels are mailu-k8s\'s (Services, budgets and NetworkPolicies select by them)', () => {
    assert.match(messageAt(withWorkloads({ smtp: { podLabels: { 'app.kubernetes.io/component': 'front' } } }), 'workloads.smtp.podLabels.app.kubernetes.io/component'), /NetworkPolicies/);
    assert.match(messageAt(cfg({ services: { admin: { labels: { 'app.kubernetes.io/instance': 'x' } } } }), 'services.admin.labels.app.kubernetes.io/instance'), /set by mailu-k8s/);
  });

  it('annotations mailu-k8s sets from typed fields (backups, external-dns records, its own) are refused', () => {
    assert.match(messageAt(withWorkloads({ imap: { podAnnotations: { 'backup.velero.io/backup-volumes': 'data' } } }), 'workloads.imap.podAnnotations.backup.velero.io/backup-volumes'), /backup/);
    assert.match(messageAt(withWorkloads({ front: { podAnnotations: { 'external-dns.kubernetes.io/hostname': 'mail.example.com' } } }), 'workloads.front.podAnnotations.external-dns.kubernetes.io/hostname'), /dns\.\*/);
    assert.ok(issuesOf(() => parseConfig(withWorkloads({ default: { podAnnotations: { 'mailu-k8s.io/env-checksum': 'x' } } }))).length > 0);
  });

  it('nodes: a label that moves front or the senders off their nodes is refused, naming both fields', () => {
    const hp = { exposure: { mode: 'hostPort' as const, hostPort: { nodeSelector: { mx: 'yes' } } } };
    assert.match(messageAt(withWorkloads({ default: { nodeSelector: { mx: 'no' } } }, hp), 'workloads.default.nodeSelector.mx'), /exposure\.hostPort\.nodeSelector/);
    const eg = { egress: { mode: 'nodeIps' as const, addresses: ['203.0.113.10'], nodeSelector: { sender: 'yes' } } };
    assert.match(messageAt(withWorkloads({ smtp: { nodeSelector: { sender: 'other' } } }, eg), 'workloads.smtp.nodeSelector.sender'), /egress\.nodeSelector/);
  });

  it('a Mailu image tag must be a supported release; other images are yours', () => {
    assert.match(messageAt(withWorkloads({ admin: { image: { tag: 'master' } } }), 'workloads.admin.image.tag'), /not a Mailu 2024\.06 release/);
    assert.doesNotThrow(() => parseConfig(withWorkloads({ antivirus: { image: { tag: '1.5' } } })));
    const w = warningsOf(withWorkloads({ admin: { image: { tag: '2024.06.50' } } }));
    assert.ok(w.some((l) => l.startsWith('workloads.admin.image.tag: admin runs Mailu 2024.06.50')), w.join('\n'));
  });

  it('knobs for what does not run are warnings; a Service that does not exist is refused', () => {
    const w = warningsOf(withWorkloads({ tika: { replicas: 2 } }));
    assert.ok(w.some((l) => l.startsWith('workloads.tika: tika does not run')), w.join('\n'));
    assert.ok(warningsOf(withWorkloads({ dnsOperator: { priorityClassName: 'x' } })).some((l) => l.startsWith('workloads.dnsOperator: dns.operator.enabled is false')));
    assert.ok(warningsOf(cfg({ services: { frontPublic: { labels: { a: 'b' } } } })).some((l) => l.startsWith('services.frontPublic: exposure.mode hostPort has no front-public Service')));
    assert.match(messageAt(cfg({ components: { fetchmail: true }, services: { fetchmail: { labels: { a: 'b' } } } }), 'services.fetchmail'), /listens on nothing/);
  });

  it('a load balancer annotation set in two places with two values is refused', () => {
    const config = cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { annotations: { a: '1' } } }, services: { frontPublic: { annotations: { a: '2' } } } });
    assert.match(messageAt(config, 'services.frontPublic.annotations.a'), /exposure\.loadBalancer\.annotations/);
  });

  it('an unknown workload or service is an unknown key with the valid ones', () => {
    assert.match(messageAt(withWorkloads({ clamav: {} } as Workloads), 'workloads.clamav'), /unknown key.*antivirus/);
    assert.match(messageAt(cfg({ services: { operator: {} } as never }), 'services.operator'), /unknown key/);
  });
});

describe('workloads.*: Kubernetes values checked as the API server does', () => {
  const cases: [string, Workloads, string, RegExp][] = [
    ['runAsUser', { admin: { securityContext: { runAsUser: 1000 } as never } }, 'workloads.admin.securityContext.runAsUser', /start as root/],
    ['runAsNonRoot', { default: { securityContext: { runAsNonRoot: true } as never } }, 'workloads.default.securityContext.runAsNonRoot', /start as root/],
    ['privileged', { front: { securityContext: { privileged: true } as never } }, 'workloads.front.securityContext.privileged', /privilege/],
    ['capabilities', { smtp: { securityContext: { capabilities: { add: ['NET_ADMIN'] } } as never } }, 'workloads.smtp.securityContext.capabilities', /privilege/],
    ['seccomp Unconfined', { imap: { securityContext: { seccompProfile: { type: 'Unconfined' } } } }, 'workloads.imap.securityContext.seccompProfile.type', /RuntimeDefault/],
    ['seccomp Localhost without a profile', { imap: { securityContext: { seccompProfile: { type: 'Localhost' } } } }, 'workloads.imap.securityContext.seccompProfile.localhostProfile', /required/],
    ['an unsafe sysctl', { front: { securityContext: { sysctls: [{ name: 'net.core.somaxconn', value: '4096' }] } } }, 'workloads.front.securityContext.sysctls[0].name', /safe sysctls/],
    ['SYN cookies off', { front: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '0' }] } } }, 'workloads.front.securityContext.sysctls[0].value', /SYN/],
    ['tolerationSeconds without NoExecute', { default: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } }, 'workloads.default.tolerations[0].tolerationSeconds', /NoExecute/],
    ['Exists with a value', { default: { tolerations: [{ key: 'a', operator: 'Exists', value: 'b' }] } }, 'workloads.default.tolerations[0].value', /empty/],
    ['an empty key without Exists', { default: { tolerations: [{ operator: 'Equal', value: 'b' }] } }, 'workloads.default.tolerations[0].operator', /Exists/],
    ['In without values', { admin: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } } } }, 'workloads.admin.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', /at least one/],
    ['Gt with text', { admin: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'cpu', operator: 'Gt', values: ['many'] }] } }] } } } }, 'workloads.admin.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values', /whole number/],
    ['weight 0', { admin: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] } } } }, 'workloads.admin.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', /./],
    ['minDomains with ScheduleAnyway', { webdav: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }] } }, 'workloads.webdav.topologySpreadConstraints[0].minDomains', /DoNotSchedule/],
    ['a bad digest', { tika: { image: { digest: 'sha256:xyz' } } }, 'workloads.tika.image.digest', /not a digest/],
    ['a bad priority class', { default: { priorityClassName: 'High_Priority' } }, 'workloads.default.priorityClassName', /PriorityClass name/],
    ['a bad env name', { admin: { env: { 'BAD-NAME': 'x' } } }, 'workloads.admin.env.BAD-NAME', /environment variable name/],
    ['a bad env reference', { admin: { env: { HTTPS_PROXY: { secretKeyRef: { name: 'a' } } as never } } }, 'workloads.admin.env.HTTPS_PROXY', /secretKeyRef/],
    ['a bad envFrom', { admin: { envFrom: [{ configMap: { name: 'a' } } as never] } }, 'workloads.admin.envFrom[0]', /configMapRef/],
    ['an annotation key with spaces', { admin: { podAnnotations: { 'not valid': 'x' } } }, 'workloads.admin.podAnnotations.not valid', /annotation key/],
  ];
  for (const [what, workloads, path, message] of cases) {
    it(`${what}: refused at ${path}`, () => {
      assert.match(messageAt(withWorkloads(workloads), path), message);
    });
  }
});

describe('workloads.* refusals and warnings through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-workloads-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(() => ensureBuilt());
  const write = (name: string, config: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, stringify(config));
    return file;
  };

  it('exit 2 with one line per field, nothing written', () => {
    const file = write('bad.yaml', { ...BASE, workloads: { imap: { replicas: 2 }, admin: { env: { SUBNET: '0.0.0.0/0' } } } });
    const out = join(dir, 'out-bad');
    const r = cli(['synth', '-c', file, '-o', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: workloads\.imap\.replicas: imap runs one pod: /m);
    assert.match(r.stderr, /^error: workloads\.admin\.env\.SUBNET: is set by mailu-k8s; configure cluster\.podCidr instead$/m);
    assert.throws(() => readdirSync(out), 'no output directory');
  });

  it('synth warns about envFrom on stderr and writes the knobs (exit 0)', () => {
    const file = write('ok.yaml', { ...BASE, workloads: { default: { envFrom: [{ configMapRef: { name: 'extra' } }], priorityClassName: 'mail' } } });
    const out = join(dir, 'out-ok');
    const r = cli(['synth', '-c', file, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: workloads\.default\.envFrom\[0\]: the variables in ConfigMap extra cannot be checked/m);
    assert.ok(readdirSync(out).length > 0);
  });
});
