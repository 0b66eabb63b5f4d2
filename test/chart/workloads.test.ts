// workloads.* and services.*: every knob reaches the object it belongs to on every workload,
// merged field by field over workloads.default, strictly valid; several replicas come with a
// disruption budget and a spread over nodes; host-port front keeps its one-pod rules.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { DaemonSet, Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { configJsonSchema } from '../../src/cli/schema.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { imageReference, parseImage } from '../../src/model/components.js';
import { TUNABLE_ENV } from '../../src/model/env-policy.js';
import { parseConfigYaml } from '../../src/validation/index.js';
import { assertValid, BASE, cfg, render, type Rendered } from '../support/chart-helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
/** A Mailu setting any pod may set (taken from the policy, so the test follows its list). */
const TUNABLE = Object.entries(TUNABLE_ENV).find(([, t]) => !t.check)![0];

/** Every knob, on every workload: defaults for all, overrides per component, every component on. */
export const EVERY_KNOB: MailuConfigInput = {
  ...BASE,
  components: { webdav: true, fetchmail: true, tika: true },
  database: { type: 'postgresql', host: 'postgres-rw', secret: { name: 'mailu-db' }, roundcube: { secret: { name: 'roundcube-db' } } },
  storage: { mode: 'shared' },
  exposure: { mode: 'loadBalancer', loadBalancer: { annotations: { 'lb.example.com/internal': 'false' } } },
  dns: { operator: { enabled: true } },
  workloads: {
    default: {
      nodeSelector: { 'node.example.com/pool': 'mail' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mail', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
          },
        },
      },
      priorityClassName: 'mail-critical',
      podAnnotations: { 'example.com/team': 'mail' },
      podLabels: { 'example.com/cost-centre': 'cc-42' },
      imagePullSecrets: ['registry-creds'],
      env: { HTTPS_PROXY: 'http://proxy.example.com:3128' },
      envFrom: [{ secretRef: { name: 'mail-proxy-auth' }, prefix: 'PROXY_' }],
      securityContext: { seccompProfile: { type: 'RuntimeDefault' }, supplementalGroups: [4242], sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '600' }] },
    },
    front: {
      replicas: 3,
      image: { tag: '2024.06.57' },
      podLabels: { 'example.com/tier': 'edge' },
      securityContext: { seLinuxOptions: { level: 's0:c123,c456' } },
    },
    webmail: { replicas: 2, env: { [TUNABLE]: 'for webmail' } },
    oletools: { replicas: 2 },
    tika: { replicas: 2, image: { digest: DIGEST }, env: { JAVA_TOOL_OPTIONS: '-Xmx1g' } },
    resolver: { replicas: 3 },
    admin: { env: { RECAPTCHA_PRIVATE_KEY: { secretKeyRef: { name: 'recaptcha', key: 'private' } } } },
    antivirus: { image: { registry: 'mirror.example.com/dockerhub' }, env: { CLAMAV_NO_MILTERD: 'true' } },
    redis: { image: { repository: 'library/valkey', tag: '8' } },
    smtp: { tolerations: [] },
    imap: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'smtp' } } } }] } } },
    antispam: { securityContext: { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', appArmorProfile: { type: 'RuntimeDefault' } } },
    webdav: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 2 }] },
    fetchmail: { env: { [TUNABLE]: 'for fetchmail' } },
    dnsOperator: { replicas: 3, image: { registry: 'registry.example.com' }, env: { LOG_FORMAT: 'json' } },
  },
  services: {
    front: { labels: { 'example.com/scrape': 'yes' } },
    frontPublic: { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, labels: { 'example.com/public': 'yes' } },
    admin: { annotations: { 'example.com/owner': 'mail-team' } },
    smtp: { labels: { 'example.com/smtp': 'yes' } },
    imap: { labels: { 'example.com/imap': 'yes' } },
    antispam: { labels: { 'example.com/antispam': 'yes' } },
    antivirus: { labels: { 'example.com/antivirus': 'yes' } },
    webmail: { labels: { 'example.com/webmail': 'yes' } },
    webdav: { labels: { 'example.com/webdav': 'yes' } },
    oletools: { labels: { 'example.com/oletools': 'yes' } },
    tika: { labels: { 'example.com/tika': 'yes' } },
    redis: { labels: { 'example.com/redis': 'yes' } },
    resolver: { annotations: { 'example.com/dns': 'internal' } },
  },
};

const COMPONENTS = ['front', 'admin', 'smtp', 'imap', 'antispam', 'antivirus', 'webmail', 'webdav', 'fetchmail', 'oletools', 'tika', 'redis', 'resolver'];
const OPERATOR = 'dns-operator';

function workloadOf(r: Rendered, name: string): Deployment | DaemonSet {
  return name === OPERATOR ? (r.get('Deployment', `${r.instance}-dns-operator`) as unknown as Deployment) : r.workload(name);
}
const podOf = (r: Rendered, name: string): PodSpec => workloadOf(r, name).spec!.template.spec!;
const containerOf = (r: Rendered, name: string): Container => podOf(r, name).containers[0]!;
const budgetOf = (r: Rendered, name: string) => r.find('PodDisruptionBudget', `${r.instance}-${name}`) as unknown as PodDisruptionBudget | undefined;

describe('workloads.*: every knob where it belongs', () => {
  const r = render(EVERY_KNOB);
  const all = [...COMPONENTS, OPERATOR];

  it('the config with every knob synthesizes strictly valid objects, without refusals', async (t) => {
    assert.deepEqual(r.components().sort(), [...all].sort());
    await assertValid(t, r.objects);
  });

  it('editors accept it: the JSON Schema validates the same config, and flags a refused security field', () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
    assert.equal(validate(EVERY_KNOB), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...BASE, workloads: { admin: { securityContext: { privileged: true } } } }), false);
  });

  for (const name of all) {
    it(`${name}: scheduling, metadata, pull secrets and environment from workloads.default`, () => {
      const pod = podOf(r, name);
      assert.equal(pod.nodeSelector?.['node.example.com/pool'], 'mail');
      assert.equal(pod.priorityClassName, 'mail-critical');
      assert.deepEqual(pod.imagePullSecrets, [{ name: 'registry-creds' }]);
      assert.deepEqual(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values, ['amd64', 'arm64']);
      const meta = workloadOf(r, name).spec!.template.metadata!;
      assert.equal(meta.annotations?.['example.com/team'], 'mail');
      assert.equal(meta.labels?.['example.com/cost-centre'], 'cc-42');
      const c = containerOf(r, name);
      assert.equal(c.env?.find((e) => e.name === 'HTTPS_PROXY')?.value, 'http://proxy.example.com:3128');
      assert.deepEqual(c.envFrom?.[0], { secretRef: { name: 'mail-proxy-auth' }, prefix: 'PROXY_' });
      assert.deepEqual(pod.securityContext?.supplementalGroups, [4242]);
      assert.deepEqual(pod.securityContext?.sysctls, [{ name: 'net.ipv4.tcp_keepalive_time', value: '600' }]);
      assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    });
  }

  it('tolerations: the default list everywhere, replaced whole where a component gives its own (smtp: none)', () => {
    for (const name of all.filter((n) => n !== 'smtp')) {
      assert.deepEqual(podOf(r, name).tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'mail', effect: 'NoSchedule' }], name);
    }
    assert.equal(podOf(r, 'smtp').tolerations, undefined);
  });

  it('maps merge key by key, affinity by kind, securityContext by field', () => {
    assert.equal(r.podLabels('front')['example.com/tier'], 'edge');
    assert.equal(r.podLabels('front')['example.com/cost-centre'], 'cc-42');
    const imap = podOf(r, 'imap').affinity!;
    assert.ok(imap.nodeAffinity, 'the default node affinity stays');
    assert.equal(imap.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.weight, 50);
    assert.deepEqual(podOf(r, 'front').securityContext?.seLinuxOptions, { level: 's0:c123,c456' });
    assert.deepEqual(podOf(r, 'front').securityContext?.supplementalGroups, [4242], 'default fields kept');
    const as = podOf(r, 'antispam').securityContext!;
    assert.equal(as.fsGroup, 1000);
    assert.equal(as.fsGroupChangePolicy, 'OnRootMismatch');
    assert.deepEqual(as.appArmorProfile, { type: 'RuntimeDefault' });
    const wm = containerOf(r, 'webmail').env!;
    assert.equal(wm.find((e) => e.name === TUNABLE)?.value, 'for webmail');
    assert.ok(wm.some((e) => e.name === 'HTTPS_PROXY'), 'default env kept beside the component\'s');
  });

  it('environment: values and key references as written, beside mailu-k8s\'s own', () => {
    const admin = containerOf(r, 'admin').env!;
    assert.deepEqual(admin.find((e) => e.name === 'RECAPTCHA_PRIVATE_KEY')?.valueFrom, { secretKeyRef: { name: 'recaptcha', key: 'private' } });
    assert.ok(admin.some((e) => e.name === 'SECRET_KEY'), 'mailu-k8s\'s own variables stay');
    assert.equal(containerOf(r, 'tika').env?.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value, '-Xmx1g');
    assert.equal(containerOf(r, 'antivirus').env?.find((e) => e.name === 'CLAMAV_NO_MILTERD')?.value, 'true');
    assert.equal(containerOf(r, 'fetchmail').env?.find((e) => e.name === TUNABLE)?.value, 'for fetchmail');
    const op = containerOf(r, OPERATOR).env!;
    assert.equal(op.find((e) => e.name === 'LOG_FORMAT')?.value, 'json');
    assert.ok(op.some((e) => e.name === 'POD_NAME'));
  });

  it('envFrom: the config\'s sources first and Mailu\'s shared ConfigMap last, so mailu-k8s\'s settings win', () => {
    for (const name of ['front', 'admin', 'smtp', 'imap', 'antispam', 'webmail', 'webdav', 'fetchmail', 'oletools']) {
      const from = containerOf(r, name).envFrom!;
      assert.equal(from.length, 2, name);
      assert.deepEqual(from[1], { configMapRef: { name: `${r.instance}-env` } }, name);
    }
  });

  it('images: any part overrides the default; a digest pins by content', () => {
    assert.equal(containerOf(r, 'front').image, 'ghcr.io/mailu/nginx:2024.06.57');
    assert.equal(containerOf(r, 'antivirus').image, 'mirror.example.com/dockerhub/clamav/clamav-debian:1.4');
    assert.equal(containerOf(r, 'tika').image, `docker.io/apache/tika@${DIGEST}`);
    assert.equal(containerOf(r, 'redis').image, 'docker.io/library/valkey:8');
    assert.equal(containerOf(r, OPERATOR).image, 'registry.example.com/mailu-k8s/operator:0.1.0');
    assert.equal(containerOf(r, 'admin').image, 'ghcr.io/mailu/admin:2024.06.57', 'untouched components keep theirs');
  });

  it('replicas where set, with a disruption budget and a spread over nodes when more than one', () => {
    const want: Record<string, number> = { front: 3, webmail: 2, oletools: 2, tika: 2, resolver: 3, [OPERATOR]: 3 };
    for (const name of all) {
      const d = workloadOf(r, name) as Deployment;
      const n = want[name] ?? 1;
      assert.equal(d.spec?.replicas, n, name);
      const pdb = budgetOf(r, name);
      if (n === 1) {
        assert.equal(pdb, undefined, `${name}: no budget for one pod`);
        continue;
      }
      assert.equal(pdb?.spec?.maxUnavailable, 1, name);
      assert.equal(pdb?.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow', name);
      assert.deepEqual(pdb?.spec?.selector?.matchLabels, d.spec?.selector.matchLabels, `${name}: the budget selects exactly its pods`);
      const spread = d.spec?.template.spec?.topologySpreadConstraints?.find((c) => c.topologyKey === 'kubernetes.io/hostname');
      assert.equal(spread?.whenUnsatisfiable, 'ScheduleAnyway', name);
      assert.deepEqual(spread?.labelSelector?.matchLabels, d.spec?.selector.matchLabels, name);
      assert.equal(d.spec?.strategy?.type, 'RollingUpdate', `${name}: several pods roll`);
    }
  });

  it('a component\'s own spread constraints replace the default; without labelSelector they count its own pods', () => {
    const c = podOf(r, 'webdav').topologySpreadConstraints!;
    assert.equal(c.length, 1);
    assert.equal(c[0]!.topologyKey, 'topology.kubernetes.io/zone');
    assert.equal(c[0]!.minDomains, 2);
    assert.deepEqual(c[0]!.labelSelector?.matchLabels, r.workload('webdav').spec?.selector.matchLabels);
  });

  it('services.*: labels and annotations on each Service, mailu-k8s\'s labels kept', () => {
    for (const name of COMPONENTS.filter((c) => !['fetchmail', 'front', 'admin', 'resolver'].includes(c))) {
      assert.equal(r.service(`${r.instance}-${name}`).metadata?.labels?.[`example.com/${name}`], 'yes', name);
    }
    const front = r.service(`${r.instance}-front`).metadata!;
    assert.equal(front.labels?.['example.com/scrape'], 'yes');
    assert.equal(front.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'], undefined, 'the public Service\'s annotations stay on it');
    const pub = r.service(`${r.instance}-front-public`).metadata!;
    assert.equal(pub.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'], 'nlb');
    assert.equal(pub.annotations?.['lb.example.com/internal'], 'false', 'exposure.loadBalancer.annotations kept');
    assert.equal(pub.labels?.['example.com/public'], 'yes');
    assert.equal(pub.labels?.['app.kubernetes.io/component'], 'front');
    assert.equal(r.service(`${r.instance}-admin`).metadata?.annotations?.['example.com/owner'], 'mail-team');
    assert.equal(r.service(`${r.instance}-resolver`).metadata?.annotations?.['example.com/dns'], 'internal');
    assert.equal(r.service(`${r.instance}-resolver`).spec?.clusterIP, '10.43.0.53', 'the resolver keeps its fixed address');
  });

  it('mailu-k8s\'s own pod metadata and security stay: selector labels, env checksum, RuntimeDefault seccomp, no token', () => {
    for (const name of COMPONENTS) {
      const meta = r.workload(name).spec!.template.metadata!;
      for (const [k, v] of Object.entries(r.workload(name).spec!.selector.matchLabels!)) assert.equal(meta.labels?.[k], v, `${name}: ${k}`);
      assert.ok(meta.annotations?.['mailu-k8s.io/env-checksum'], name);
      assert.equal(podOf(r, name).automountServiceAccountToken, false, name);
    }
    const op = podOf(r, OPERATOR).securityContext!;
    assert.equal(op.runAsNonRoot, true);
    assert.equal(op.runAsUser, 65532);
  });
});

describe('workloads.*: defaults and the rules that stay', () => {
  it('without workloads.* nothing changes: one pod each, no budget, no spread (the resolver excepted)', () => {
    const r = render(cfg());
    for (const name of r.components().filter((c) => c !== 'resolver')) {
      assert.equal((r.workload(name) as Deployment).spec?.replicas, 1, name);
      assert.equal(r.podSpec(name).topologySpreadConstraints, undefined, name);
      assert.equal(budgetOf(r, name), undefined, name);
      assert.equal(r.podSpec(name).tolerations, undefined, name);
    }
    assert.equal((r.workload('resolver') as Deployment).spec?.replicas, 2);
    assert.ok(budgetOf(r, 'resolver'));
  });

  it('host-port front keeps one pod replaced (never two on a node), whatever else workloads.front sets', async (t) => {
    const r = render(cfg({ workloads: { front: { nodeSelector: { extra: 'yes' }, tolerations: [{ operator: 'Exists' }], priorityClassName: 'edge' } } }));
    const d = r.workload('front') as Deployment;
    assert.equal(d.spec?.replicas, 1);
    assert.equal(d.spec?.strategy?.type, 'Recreate');
    assert.ok(r.container('front').ports?.some((p) => p.hostPort === 25));
    assert.equal(budgetOf(r, 'front'), undefined);
    await assertValid(t, r.objects);
  });

  it('host-port DaemonSet front rolls one node at a time without surge, and gets no budget', () => {
    const r = render(cfg({ exposure: { mode: 'hostPort', hostPort: { daemonSet: true, nodeSelector: { mx: 'yes' } } }, workloads: { front: { podLabels: { a: 'b' } } } }));
    const ds = r.workload('front') as DaemonSet;
    assert.equal(ds.kind, 'DaemonSet');
    assert.deepEqual(ds.spec?.updateStrategy?.rollingUpdate, { maxUnavailable: 1 });
    assert.equal(budgetOf(r, 'front'), undefined);
  });

  it('nodes: workloads.* narrows the nodes exposure and egress pin front, smtp and fetchmail to', () => {
    const r = render(cfg({
      exposure: { mode: 'hostPort', hostPort: { nodeSelector: { mx: 'yes' } } },
      egress: { mode: 'nodeIps', addresses: ['203.0.113.10'], nodeSelector: { sender: 'yes' } },
      components: { fetchmail: true },
      workloads: { default: { nodeSelector: { pool: 'mail' } }, smtp: { nodeSelector: { sender: 'yes', disk: 'ssd' } } },
    }));
    assert.deepEqual(r.podSpec('front').nodeSelector, { pool: 'mail', mx: 'yes' });
    assert.deepEqual(r.podSpec('smtp').nodeSelector, { pool: 'mail', sender: 'yes', disk: 'ssd' });
    assert.deepEqual(r.podSpec('fetchmail').nodeSelector, { pool: 'mail', sender: 'yes' });
  });

  it('the older replica keys still work (one of the two), and the diagram reads the same count', () => {
    const r = render(cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { replicas: 2 } }, resolver: { replicas: 4 }, dns: { operator: { enabled: true, replicas: 1 } } }));
    assert.equal((r.workload('front') as Deployment).spec?.replicas, 2);
    assert.ok(budgetOf(r, 'front'));
    assert.equal((r.workload('resolver') as Deployment).spec?.replicas, 4);
    const op = workloadOf(r, OPERATOR) as Deployment;
    assert.equal(op.spec?.replicas, 1);
    assert.equal(budgetOf(r, OPERATOR), undefined);
    assert.equal(op.spec?.template.spec?.topologySpreadConstraints, undefined);
  });

  it('webmail with several pods rolls (its data is on the shared ReadWriteMany claim)', () => {
    const r = render(cfg({ database: { type: 'cnpg' }, storage: { mode: 'shared' }, workloads: { webmail: { replicas: 2 } } }));
    const d = r.workload('webmail') as Deployment;
    assert.equal(d.spec?.replicas, 2);
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal((r.workload('admin') as Deployment).spec?.strategy?.type, 'Recreate', 'single pods with data are still replaced');
  });
});

describe('README "Production checklist" example', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Production checklist\n'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];

  it('synthesizes strictly valid objects with its knobs where they belong', async (t) => {
    assert.ok(yaml, 'a yaml block under "Production checklist"');
    const { config } = parseConfigYaml(yaml!);
    const r = render(config);
    assert.equal((r.workload('front') as Deployment).spec?.replicas, 3);
    assert.ok(budgetOf(r, 'front') && budgetOf(r, 'webmail') && budgetOf(r, 'oletools'));
    assert.equal(r.podSpec('imap').priorityClassName, 'mail-critical');
    assert.deepEqual(r.podSpec('smtp').nodeSelector, { 'node.example.com/pool': 'mail', 'mail.example.com/sender': 'true' });
    assert.equal(r.container('admin').image, 'registry.example.com/mailu/admin:2024.06.57');
    assert.equal(r.container('antivirus').image, 'registry.example.com/dockerhub/clamav/clamav-debian:1.4');
    assert.equal(r.service(`${r.instance}-front-public`).metadata?.annotations?.['service.beta.kubernetes.io/aws-load-balancer-type'], 'nlb');
    await assertValid(t, r.objects);
  });
});

describe('image references', () => {
  it('split as workloads.<name>.image addresses them, and put back together unchanged', () => {
    const cases: [string, ReturnType<typeof parseImage>][] = [
      ['docker.io/clamav/clamav-debian:1.4', { registry: 'docker.io', repository: 'clamav/clamav-debian', tag: '1.4' }],
      ['redis:7', { repository: 'redis', tag: '7' }],
      ['library/redis', { repository: 'library/redis' }],
      ['localhost:5000/mail/admin:2024.06.57', { registry: 'localhost:5000', repository: 'mail/admin', tag: '2024.06.57' }],
      [`ghcr.io/mailu-k8s/operator@${DIGEST}`, { registry: 'ghcr.io', repository: 'mailu-k8s/operator', digest: DIGEST }],
    ];
    for (const [ref, parts] of cases) {
      assert.deepEqual(parseImage(ref), parts, ref);
      assert.equal(imageReference(parseImage(ref)), ref);
    }
  });

  it('a digest replaces the tag: the runtime pulls by content', () => {
    assert.equal(imageReference({ registry: 'ghcr.io/mailu', repository: 'admin', tag: '2024.06.57', digest: DIGEST }), `ghcr.io/mailu/admin@${DIGEST}`);
  });
});
