// Per component: image, ports, probes, environment wiring, labels, storage and DNS. The expected
// values are Mailu facts (reference §2.5), written here independently of src/model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Probe } from 'kubernetes-types/core/v1.js';
import {
  MAILU_LABEL_KEYS,
  cfg,
  needsShell,
  probeBudget,
  render,
  type Rendered,
} from '../support/chart-helpers.js';

const ALL_ON = { webdav: true, fetchmail: true, tika: true, antivirus: true, oletools: true } as const;
const r = render(cfg({ components: ALL_ON }));

interface Expect {
  image: RegExp;
  ports: [number, 'TCP' | 'UDP'][];
  /** Reads the shared Mailu ConfigMap (Mailu images). */
  sharedEnv: boolean;
  secretKey: boolean;
  /** Where persistent data is mounted. */
  data: string[];
  /** Minimum seconds the start-up may take before the kubelet gives up. */
  startup?: number;
  /** A fragment the liveness check must contain (command or HTTP path). */
  alive: string;
}

const M = (name: string) => new RegExp(`^ghcr\\.io/mailu/${name}:2024\\.06\\.57$`);
const EXPECT: Record<string, Expect> = {
  front: { image: M('nginx'), ports: [[25, 'TCP'], [465, 'TCP'], [587, 'TCP'], [993, 'TCP'], [80, 'TCP'], [443, 'TCP'], [2525, 'TCP'], [10025, 'TCP'], [10143, 'TCP'], [14190, 'TCP']], sharedEnv: true, secretKey: true, data: [], alive: '10204/health' },
  admin: { image: M('admin'), ports: [[8080, 'TCP']], sharedEnv: true, secretKey: true, data: ['/data', '/dkim'], startup: 120, alive: '/ping' },
  smtp: { image: M('postfix'), ports: [[25, 'TCP'], [10025, 'TCP']], sharedEnv: true, secretKey: true, data: ['/queue'], alive: 'master -t' },
  imap: { image: M('dovecot'), ports: [[143, 'TCP'], [110, 'TCP'], [2525, 'TCP'], [4190, 'TCP']], sharedEnv: true, secretKey: true, data: ['/data', '/mail'], alive: 'dovecot/master.pid' },
  antispam: { image: M('rspamd'), ports: [[11332, 'TCP'], [11334, 'TCP']], sharedEnv: true, secretKey: true, data: ['/etc/rspamd/local.d/maps.d', '/var/lib/rspamd'], startup: 350, alive: '/' },
  antivirus: { image: /^docker\.io\/clamav\/clamav(-debian)?:1\.4/, ports: [[3310, 'TCP']], sharedEnv: false, secretKey: false, data: ['/var/lib/clamav'], startup: 300, alive: 'clamd.pid' },
  webmail: { image: M('webmail'), ports: [[80, 'TCP']], sharedEnv: true, secretKey: true, data: ['/data'], alive: '/ping' },
  webdav: { image: M('radicale'), ports: [[5232, 'TCP']], sharedEnv: true, secretKey: true, data: ['/data'], alive: 'radicale' },
  fetchmail: { image: M('fetchmail'), ports: [], sharedEnv: true, secretKey: true, data: ['/data'], startup: 350, alive: 'fetchmail' },
  oletools: { image: M('oletools'), ports: [[11343, 'TCP']], sharedEnv: true, secretKey: false, data: [], alive: '11343' },
  tika: { image: /^docker\.io\/apache\/tika:[\w.]+-full$/, ports: [[9998, 'TCP']], sharedEnv: false, secretKey: false, data: [], alive: '/tika' },
  redis: { image: /^docker\.io\/library\/redis:/, ports: [[6379, 'TCP']], sharedEnv: false, secretKey: false, data: ['/data'], alive: 'PONG' },
  resolver: { image: M('unbound'), ports: [[53, 'UDP'], [53, 'TCP']], sharedEnv: false, secretKey: false, data: [], alive: '127.0.0.1' },
};

function probeText(p: Probe | undefined): string {
  if (!p) return '';
  if (p.exec) return p.exec.command!.join(' ');
  if (p.httpGet) return `http ${p.httpGet.path} ${p.httpGet.port}`;
  if (p.tcpSocket) return `tcp ${p.tcpSocket.port}`;
  return '';
}

function checkProbe(rr: Rendered, comp: string, kind: string, p: Probe | undefined): void {
  if (!p) return;
  const ports = (rr.container(comp).ports ?? []).map((x) => x.containerPort);
  if (p.exec) {
    const cmd = p.exec.command ?? [];
    const script = cmd.join(' ');
    if (needsShell(script)) {
      assert.deepEqual(cmd.slice(0, 2), ['/bin/sh', '-c'], `${comp} ${kind}: "${script}" needs a shell`);
      assert.equal(cmd.length, 3, `${comp} ${kind}: one script argument`);
    }
  }
  if (p.httpGet) assert.ok(ports.includes(Number(p.httpGet.port)), `${comp} ${kind} probes a port it listens on`);
  if (p.tcpSocket) assert.ok(ports.includes(Number(p.tcpSocket.port)), `${comp} ${kind} probes a port it listens on`);
  // Mailu's own checks allow curl three seconds (-m3); the kubelet default of 1 s would kill them.
  if (p.exec || p.httpGet) assert.ok((p.timeoutSeconds ?? 1) >= 3, `${comp} ${kind}: timeout leaves room for the check itself`);
}

describe('components', () => {
  it('every expected component runs, nothing else', () => {
    assert.deepEqual(r.components().sort(), Object.keys(EXPECT).sort());
  });

  for (const [comp, e] of Object.entries(EXPECT)) {
    describe(comp, () => {
      it('image and ports', () => {
        const c = r.container(comp);
        assert.match(c.image!, e.image);
        assert.deepEqual((c.ports ?? []).map((p) => [p.containerPort, p.protocol]).sort(), [...e.ports].sort());
        const names = (c.ports ?? []).map((p) => p.name);
        assert.equal(new Set(names).size, names.length, 'port names unique');
        const svc = r.find('Service', `${r.instance}-${comp}`);
        assert.equal(svc !== undefined, e.ports.length > 0, 'a Service exactly when it listens');
      });

      it('probes: alive check, shell-wrapped exec, ports it listens on, start-up budget', () => {
        const c = r.container(comp);
        assert.ok(c.livenessProbe, 'liveness probe');
        assert.ok(probeText(c.livenessProbe).includes(e.alive), `liveness "${probeText(c.livenessProbe)}" checks ${e.alive}`);
        if (e.ports.length > 0) assert.ok(c.readinessProbe, 'readiness probe (it serves others)');
        for (const [kind, p] of [['liveness', c.livenessProbe], ['readiness', c.readinessProbe], ['startup', c.startupProbe]] as const) checkProbe(r, comp, kind, p);
        if (e.startup) {
          const budget = c.startupProbe ? probeBudget(c.startupProbe) : probeBudget(c.livenessProbe);
          assert.ok(budget >= e.startup, `${comp} may take ${e.startup}s to start; probes allow ${budget}s`);
        }
      });

      it('environment: shared ConfigMap and SECRET_KEY by reference', () => {
        const c = r.container(comp);
        const fromShared = (c.envFrom ?? []).some((x) => x.configMapRef?.name === `${r.instance}-env`);
        assert.equal(fromShared, e.sharedEnv);
        const sk = (c.env ?? []).find((x) => x.name === 'SECRET_KEY');
        if (e.secretKey) assert.deepEqual(sk, { name: 'SECRET_KEY', valueFrom: { secretKeyRef: { name: `${r.instance}-secret-key`, key: 'secret-key' } } });
        else assert.equal(sk, undefined, 'no secret where it is not needed');
      });

      it('labels: five app.kubernetes.io labels on workload, pods and Service; selectors match the pods', () => {
        const w = r.workload(comp);
        const expect = {
          'app.kubernetes.io/name': 'mailu',
          'app.kubernetes.io/instance': r.instance,
          'app.kubernetes.io/component': comp,
          'app.kubernetes.io/part-of': 'mailu',
          'app.kubernetes.io/managed-by': 'mailu-k8s',
        };
        const pick = (l: Record<string, string> | undefined) => Object.fromEntries(MAILU_LABEL_KEYS.map((k) => [k, l?.[k]]));
        assert.deepEqual(pick(w.metadata?.labels), expect);
        assert.deepEqual(pick(r.podLabels(comp)), expect);
        const selector = w.spec?.selector.matchLabels ?? {};
        assert.ok(Object.entries(selector).every(([k, v]) => r.podLabels(comp)[k] === v), 'workload selector matches its pods');
        assert.equal(selector['app.kubernetes.io/component'], comp);
        const svc = r.find('Service', `${r.instance}-${comp}`);
        if (svc) {
          assert.deepEqual(pick(svc.metadata.labels), expect);
          const sel = (svc.spec as { selector: Record<string, string> }).selector;
          assert.ok(Object.entries(sel).every(([k, v]) => r.podLabels(comp)[k] === v), 'Service selects the pods');
          assert.equal(sel['app.kubernetes.io/component'], comp, 'and only this component');
        }
      });

      it('storage: data mounts on the component\'s claim; RWO claims mean Recreate', () => {
        const c = r.container(comp);
        const spec = r.podSpec(comp);
        const claimVol = (spec.volumes ?? []).find((v) => v.persistentVolumeClaim);
        const dataMounts = (c.volumeMounts ?? []).filter((m) => m.name === claimVol?.name).map((m) => m.mountPath).sort();
        assert.deepEqual(dataMounts, [...e.data].sort());
        if (claimVol) {
          const pvc = r.get('PersistentVolumeClaim', claimVol.persistentVolumeClaim!.claimName) as unknown as { spec: { accessModes: string[] } };
          assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
          assert.equal((r.workload(comp).spec as { strategy?: { type: string } }).strategy?.type, 'Recreate');
        }
      });

      it('resources, DNS through the validating resolver, no API token, no service links', () => {
        const c = r.container(comp);
        for (const k of ['cpu', 'memory']) {
          assert.ok(c.resources?.requests?.[k], `${k} request`);
          assert.ok(c.resources?.limits?.[k], `${k} limit`);
        }
        const spec = r.podSpec(comp);
        const resolverIp = r.service(`${r.instance}-resolver`).spec?.clusterIP;
        if (comp === 'resolver') {
          assert.notEqual(spec.dnsPolicy, 'None', 'the resolver itself uses the cluster DNS');
        } else {
          assert.equal(spec.dnsPolicy, 'None');
          assert.deepEqual(spec.dnsConfig?.nameservers, [resolverIp]);
        }
        assert.equal(spec.automountServiceAccountToken, false);
        assert.equal(spec.enableServiceLinks, false);
      });
    });
  }
});

describe('component details', () => {
  it('the resolver has a fixed ClusterIP inside the service CIDR, and validates DNSSEC', () => {
    const svc = r.service(`${r.instance}-resolver`);
    assert.equal(svc.spec?.clusterIP, '10.43.0.53');
    assert.deepEqual(svc.spec?.ports?.map((p) => [p.port, p.protocol]).sort(), [[53, 'TCP'], [53, 'UDP']]);
    const conf = (r.get('ConfigMap', `${r.instance}-resolver-config`) as unknown as { data: Record<string, string> }).data['unbound.conf']!;
    assert.match(conf, /auto-trust-anchor-file/);
    assert.match(conf, /access-control: 0\.0\.0\.0\/0 refuse/);
    assert.match(conf, /access-control: 10\.42\.0\.0\/16 allow/);
    assert.match(conf, /forward-addr: 10\.43\.0\.10\b/, 'cluster names go to the cluster DNS');
    // The config reaches unbound.
    const c = r.container('resolver');
    const script = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
    const mount = c.volumeMounts?.find((m) => r.podSpec('resolver').volumes?.find((v) => v.name === m.name)?.configMap?.name === `${r.instance}-resolver-config`);
    assert.ok(mount && script.includes(`${mount.mountPath}/unbound.conf`), 'unbound reads the generated config');
  });

  it('honours cluster.resolverServiceIp, dnsServiceIp and clusterDomain', () => {
    const rr = render(cfg({ cluster: { podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12', resolverServiceIp: '10.96.0.200', dnsServiceIp: '10.96.0.10', clusterDomain: 'k8s.example.internal' } }));
    assert.equal(rr.service(`${rr.instance}-resolver`).spec?.clusterIP, '10.96.0.200');
    assert.deepEqual(rr.podSpec('admin').dnsConfig?.nameservers, ['10.96.0.200']);
    assert.ok(rr.podSpec('admin').dnsConfig?.searches?.includes(`${rr.namespace}.svc.k8s.example.internal`));
    assert.equal(rr.env().ADMIN_ADDRESS, `${rr.instance}-admin.${rr.namespace}.svc.k8s.example.internal`);
    const conf = (rr.get('ConfigMap', `${rr.instance}-resolver-config`) as unknown as { data: Record<string, string> }).data['unbound.conf']!;
    assert.match(conf, /forward-addr: 10\.96\.0\.10\b/);
    assert.match(conf, /name: "k8s\.example\.internal\."/);
  });

  it('registry, version and pull policy apply to every Mailu image', () => {
    const rr = render(cfg({ components: ALL_ON, mailu: { registry: 'registry.example.com/mirror/', version: '2024.06.50', imagePullPolicy: 'Always' } }));
    for (const comp of rr.components()) {
      const c = rr.container(comp);
      assert.equal(c.imagePullPolicy, 'Always', comp);
      if (EXPECT[comp]!.image.source.includes('ghcr')) assert.match(c.image!, /^registry\.example\.com\/mirror\/[a-z]+:2024\.06\.50$/, comp);
    }
  });

  it('resource overrides merge field by field', () => {
    const rr = render(cfg({ resources: { admin: { limits: { memory: '3Gi' } }, imap: { requests: { cpu: '750m' } } } }));
    const admin = rr.container('admin').resources!;
    assert.equal(admin.limits?.memory, '3Gi');
    assert.equal(admin.limits?.cpu, r.container('admin').resources?.limits?.cpu, 'unchanged fields keep their defaults');
    assert.equal(admin.requests?.memory, r.container('admin').resources?.requests?.memory);
    assert.equal(rr.container('imap').resources?.requests?.cpu, '750m');
  });

  it('claim sizes and storage class come from storage.*', () => {
    const rr = render(cfg({ storage: { storageClass: 'fast', sizes: { imap: '200Gi' } } }));
    const pvc = rr.get('PersistentVolumeClaim', `${rr.instance}-imap-data`) as unknown as { spec: { storageClassName: string; resources: { requests: { storage: string } } } };
    assert.equal(pvc.spec.storageClassName, 'fast');
    assert.equal(pvc.spec.resources.requests.storage, '200Gi');
  });

  it('shared storage: one ReadWriteMany claim, per-component subPaths, rolling updates allowed', () => {
    const rr = render(cfg({ components: ALL_ON, storage: { mode: 'shared', sharedSize: '300Gi' } }));
    const claims = rr.all('PersistentVolumeClaim') as unknown as { metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }[];
    assert.equal(claims.length, 1);
    assert.deepEqual(claims[0]!.spec.accessModes, ['ReadWriteMany']);
    assert.equal(claims[0]!.spec.resources.requests.storage, '300Gi');
    const seen = new Set<string>();
    for (const comp of rr.components()) {
      const spec = rr.podSpec(comp);
      const vol = spec.volumes?.find((v) => v.persistentVolumeClaim);
      if (!vol) continue;
      assert.equal(vol.persistentVolumeClaim?.claimName, claims[0]!.metadata.name);
      for (const m of rr.container(comp).volumeMounts!.filter((x) => x.name === vol.name)) {
        assert.ok(m.subPath?.startsWith(`${comp}/`), `${comp} keeps to its own directory (${m.subPath})`);
        assert.ok(!seen.has(m.subPath!), `${m.subPath} used once`);
        seen.add(m.subPath!);
      }
    }
    assert.ok(seen.size >= 8);
  });

  it('pods roll when the shared environment changes, and only then', () => {
    const checksum = (rr: Rendered, comp: string) => rr.workload(comp).spec?.template.metadata?.annotations?.['mailu-k8s.io/env-checksum'];
    const a = render(cfg());
    const b = render(cfg());
    const c = render(cfg({ mailu: { logLevel: 'DEBUG' } }));
    assert.ok(checksum(a, 'admin'));
    assert.equal(checksum(a, 'admin'), checksum(b, 'admin'));
    assert.notEqual(checksum(a, 'admin'), checksum(c, 'admin'));
  });

  it('front: Deployment with Recreate on host ports, DaemonSet on request, rolling behind a load balancer', () => {
    assert.equal((render(cfg()).workload('front').spec as { strategy: { type: string } }).strategy.type, 'Recreate');
    const ds = render(cfg({ exposure: { mode: 'hostPort', hostPort: { daemonSet: true, nodeSelector: { front: 'yes' } } } }));
    assert.equal(ds.workload('front').kind, 'DaemonSet');
    assert.deepEqual(ds.podSpec('front').nodeSelector, { front: 'yes' });
    const lb = render(cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { replicas: 2 } } }));
    const spec = lb.workload('front').spec as { replicas: number; strategy: { type: string } };
    assert.equal(spec.replicas, 2);
    assert.equal(spec.strategy.type, 'RollingUpdate');
  });

  it('namespace (when managed): privileged Pod Security only when front binds host ports', () => {
    const psa = (rr: Rendered) => rr.get('Namespace', rr.namespace).metadata.labels?.['pod-security.kubernetes.io/enforce'];
    assert.equal(psa(render(cfg({ manageNamespace: true }))), 'privileged');
    assert.equal(psa(render(cfg({ manageNamespace: true, exposure: { mode: 'loadBalancer' } }))), 'baseline');
  });
});
