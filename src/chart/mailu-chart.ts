// MailuChart: one config in, a complete Mailu deployment out. It builds the model once and hands
// each construct only the slice it renders; no construct decides anything the model has decided.
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ConfigMap, Namespace, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { parseConfigWithWarnings } from '../validation/index.js';
import { dnsEndpointManifests } from '../dns/endpoints.js';
import { planDns } from '../dns/plan.js';
import type { ComponentName, MailuConfig, MailuConfigInput } from '../config/schema.js';
import type { ComponentModel } from '../model/components.js';
import { quantityToBytes } from '../model/env.js';
import { webHostnames } from '../model/exposure.js';
import { buildModel, type MailuModel } from '../model/index.js';
import { instanceLabels, MANAGED_BY, objectLabels, selectorLabels } from '../model/labels.js';
import { OPERATOR_POD } from '../model/flows.js';
import { mailuApiToken } from '../model/mailu-api.js';
import { traefikValuesDelivery } from '../model/platform.js';
import { DEFAULT_RESOURCES } from '../model/resources.js';
import { workloadImage } from '../model/components.js';
import { decideWorkload, DNS_OPERATOR_WORKLOAD, FRONT_PUBLIC_SERVICE, serviceMetadata } from '../model/workloads.js';
import { emit, KEEP_DATA_ANNOTATIONS, type Manifest } from './api.js';
import { Admin } from './components/admin.js';
import { Antispam } from './components/antispam.js';
import { Antivirus } from './components/antivirus.js';
import { Fetchmail } from './components/fetchmail.js';
import { Front } from './components/front.js';
import { Imap } from './components/imap.js';
import { Oletools } from './components/oletools.js';
import { Redis } from './components/redis.js';
import { Resolver } from './components/resolver.js';
import { Smtp } from './components/smtp.js';
import { Tika } from './components/tika.js';
import { Webdav } from './components/webdav.js';
import { Webmail } from './components/webmail.js';
import { buildChartContext } from './context.js';
import { CnpgDatabase } from './database.js';
import { backupPodAnnotations, VeleroSchedule } from './backup.js';
import { decideBackup } from '../model/lifecycle.js';
import { DnsOperator } from './operator.js';
import { toYamlDocument } from './yaml-out.js';
import { CiliumEgress } from './networking/egress.js';
import { decideCiliumEgress } from '../model/egress.js';
import { FrontPublicService, TraefikMailRoutes, traefikHelmChartConfigFile, traefikHelmValues } from './networking/exposure.js';
import { NetworkPolicies } from './networking/network-policies.js';
import { TraefikEntryPointPolicy } from './networking/traefik-guard.js';
import { WebRoute } from './networking/web.js';
import { MailCertificate } from './tls.js';
import { MetricsMonitors } from './metrics.js';
import { FileConfigMaps, planFileSets } from './overrides.js';

export interface MailuChartProps {
  /** The config as written (validated here), or an already parsed MailuConfig. */
  config: MailuConfigInput | MailuConfig;
}

/**
 * Annotations every Ingress gets unless the user sets them: ingress-nginx's default 1 MiB body
 * limit would break webmail attachments long before Mailu's own message size limit.
 */
function ingressDefaults(config: MailuConfig): Record<string, string> {
  const mib = Math.ceil(quantityToBytes(config.mailu.messageSizeLimit) / 1024 ** 2) + 8;
  return { 'nginx.ingress.kubernetes.io/proxy-body-size': `${mib}m` };
}

/**
 * Pod Security labels the namespace needs: front's host ports are allowed only at `privileged`;
 * everything else fits `baseline`. Applied to the Namespace when mailu-k8s owns it, and the
 * labels to set by hand otherwise.
 */
export function podSecurityLabels(model: MailuModel): Record<string, string> {
  const enforce = model.exposure.mode === 'hostPort' ? 'privileged' : 'baseline';
  return { 'pod-security.kubernetes.io/enforce': enforce, 'pod-security.kubernetes.io/warn': 'baseline' };
}

/** Adds services.* labels and annotations to the Service a construct emitted (mailu-k8s's labels win). */
function addMetadata(scope: Construct, meta: { labels: Record<string, string>; annotations: Record<string, string> }): void {
  for (const child of scope.node.children) {
    if (!(child instanceof ApiObject)) continue;
    const own = child.metadata.toJson().labels ?? {};
    for (const [k, v] of Object.entries(meta.labels)) if (!(k in own)) child.metadata.addLabel(k, v);
    for (const [k, v] of Object.entries(meta.annotations)) child.metadata.addAnnotation(k, v);
  }
}

export class MailuChart extends Chart {
  readonly config: MailuConfig;
  readonly model: MailuModel;
  /** Accepted-but-risky choices found while validating. */
  readonly warnings: string[];
  /** Files that belong next to the manifests but are not Kubernetes objects (e.g. Traefik values). */
  readonly extraFiles: Record<string, string> = {};
  /** The component constructs, by component name. */
  readonly components: Partial<Record<ComponentName, Construct>> = {};

  constructor(scope: Construct, id: string, props: MailuChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const parsed = parseConfigWithWarnings(props.config);
    this.config = parsed.config;
    this.warnings = parsed.warnings;
    const config = this.config;
    const model = (this.model = buildModel(config));
    const { instance, namespace } = config;

    // -- namespace: only when asked for. It holds the user's Secrets and every claim, so by default
    // it is theirs and deleting the output leaves it (and them) alone.
    if (config.manageNamespace) {
      emit<Namespace & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          // No instance label: several instances may share (and each emit) the namespace.
          labels: { 'app.kubernetes.io/part-of': 'mailu', 'app.kubernetes.io/managed-by': MANAGED_BY, ...podSecurityLabels(model) },
        },
      });
    }

    // -- shared environment and storage (the context every component construct receives)
    const ctx = buildChartContext(model);
    emit<ConfigMap & Manifest>(this, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ctx.envConfigMap, namespace, labels: instanceLabels(instance) },
      data: model.env.shared,
    });
    // Files for Mailu's /overrides (and rspamd's Redis password file), mounted by the components.
    new FileConfigMaps(this, 'files', { instance, namespace, sets: planFileSets(model) });
    const storage = ctx.storage;
    if (storage.sharedClaim) {
      emit<PersistentVolumeClaim & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: storage.sharedClaim, namespace, labels: instanceLabels(instance), annotations: { ...storage.annotations, ...KEEP_DATA_ANNOTATIONS } },
        spec: {
          accessModes: ['ReadWriteMany'],
          ...(storage.storageClass !== undefined ? { storageClassName: storage.storageClass } : {}),
          resources: { requests: { storage: config.storage.sharedSize } },
        },
      });
    }

    // -- components
    const comp = (n: ComponentName): ComponentModel | undefined => model.components.get(n);
    // Backups: which volumes Velero copies is marked on the pods (backup.ts).
    const backupPlan = decideBackup(config);
    const backupAnnotations = (n: ComponentName) => {
      const a = backupPodAnnotations(backupPlan, n, config.storage.mode === 'shared');
      return Object.keys(a).length > 0 ? { podAnnotations: a } : {};
    };
    const base = (n: ComponentName) => ({ ctx, component: comp(n)!, env: model.env.perComponent[n] ?? [], ...backupAnnotations(n) });
    const x = config.exposure;
    const hostPorts = x.mode === 'hostPort' ? model.exposure.publicPorts.map((p) => p.port) : [];
    const frontAnnotations: Record<string, string> = {};
    if (config.dns.externalDns.podSource) {
      // external-dns's pod source publishes the node's ExternalIP for this name (no readiness filter).
      const names = config.dns.operator.allHostnames ? config.hostnames : [config.hostnames[0]!];
      frontAnnotations[`${config.dns.externalDns.annotationPrefix}hostname`] = names.join(',');
      frontAnnotations[`${config.dns.externalDns.annotationPrefix}ttl`] = String(config.dns.operator.ttl);
    }

    this.components.resolver = new Resolver(this, 'resolver', {
      ...base('resolver'),
      clusterIp: model.resolverIp,
      clusterDnsIp: model.clusterDnsIp,
      clusterDomain: config.cluster.clusterDomain,
      allow: [config.cluster.podCidr, ...(config.cluster.podCidr6 ? [config.cluster.podCidr6] : [])],
    });
    this.components.front = new Front(this, 'front', {
      ...base('front'),
      ...(model.tlsSecretName ? { tlsSecretName: model.tlsSecretName } : {}),
      kind: x.mode === 'hostPort' && x.hostPort.daemonSet ? 'DaemonSet' : 'Deployment',
      hostPorts,
      podAnnotations: frontAnnotations,
    });
    this.components.admin = new Admin(this, 'admin', base('admin'));
    // Replicas and nodes (front's MX nodes, the senders' nodes) come from the model (ctx.workload).
    this.components.smtp = new Smtp(this, 'smtp', base('smtp'));
    this.components.imap = new Imap(this, 'imap', base('imap'));
    this.components.antispam = new Antispam(this, 'antispam', base('antispam'));
    if (comp('antivirus')) this.components.antivirus = new Antivirus(this, 'antivirus', base('antivirus'));
    if (comp('webmail')) this.components.webmail = new Webmail(this, 'webmail', base('webmail'));
    if (comp('webdav')) this.components.webdav = new Webdav(this, 'webdav', base('webdav'));
    if (comp('fetchmail')) this.components.fetchmail = new Fetchmail(this, 'fetchmail', base('fetchmail'));
    if (comp('oletools')) this.components.oletools = new Oletools(this, 'oletools', base('oletools'));
    if (comp('tika')) this.components.tika = new Tika(this, 'tika', base('tika'));
    if (comp('redis')) this.components.redis = new Redis(this, 'redis', { ...base('redis'), requirePassword: config.redis.auth !== undefined });

    // -- database
    if (config.database.type === 'cnpg') {
      const db = config.database;
      new CnpgDatabase(this, 'database', {
        instance,
        namespace,
        instances: db.instances,
        size: db.storage.size,
        ...(db.storage.storageClass ? { storageClass: db.storage.storageClass } : {}),
        ...(db.imageName ? { imageName: db.imageName } : {}),
        ...(backupPlan ? { backup: backupPlan } : {}),
      });
    }
    if (backupPlan?.volumes) {
      new VeleroSchedule(this, 'backup', { instance, namespace, plan: backupPlan, volumes: backupPlan.volumes, cnpg: config.database.type === 'cnpg' });
    }

    // -- TLS
    const webHosts = webHostnames(config);
    if (config.tls.source === 'certManager' && model.tlsSecretName) {
      new MailCertificate(this, 'certificate', {
        instance,
        namespace,
        secretName: model.tlsSecretName,
        dnsNames: webHosts,
        issuer: config.tls.issuer,
      });
    }

    // -- exposure
    if (x.mode === 'loadBalancer') {
      const svc = new FrontPublicService(this, 'front-public', { instance, namespace, exposure: model.exposure, loadBalancer: x.loadBalancer });
      addMetadata(svc, serviceMetadata(config, FRONT_PUBLIC_SERVICE));
    } else if (x.mode === 'traefik') {
      const svc = new FrontPublicService(this, 'front-public', { instance, namespace, exposure: model.exposure });
      addMetadata(svc, serviceMetadata(config, FRONT_PUBLIC_SERVICE));
      new TraefikMailRoutes(this, 'traefik-mail', { instance, namespace, exposure: model.exposure, traefik: x.traefik, serviceName: svc.name });
      if (traefikValuesDelivery(config) === 'helmChartConfig') {
        this.extraFiles['traefik-helmchartconfig.yaml'] = traefikHelmChartConfigFile(model.exposure, x.traefik);
      } else {
        this.extraFiles['traefik-values.yaml'] = traefikHelmValues(model.exposure, x.traefik);
      }
    }
    if (config.web.kind !== 'none') {
      new WebRoute(this, 'web', {
        instance,
        namespace,
        web: config.web.kind === 'ingress' ? { ...config.web, annotations: { ...ingressDefaults(config), ...config.web.annotations } } : config.web,
        hosts: webHosts,
        frontService: comp('front')!.objectName,
        backendPort: model.exposure.webBackendPort!,
        ...(model.tlsSecretName ? { tlsSecretName: model.tlsSecretName } : {}),
      });
    }

    // -- egress
    if (config.egress.mode === 'ciliumGateway') {
      new CiliumEgress(this, 'egress', {
        instance,
        namespace,
        gateway: config.egress,
        plans: decideCiliumEgress(config),
      });
    }

    // -- DNS records for external-dns (static ones; the operator owns the live ones), for every
    // mail domain whose externalDns is on (dns.externalDns.enabled unless its domains: entry says)
    for (const m of dnsEndpointManifests(planDns(config), config, { onlyPublished: true })) emit(this, { ...m });

    // -- the DNS operator (A/AAAA following front, SPF following the senders)
    if (config.dns.operator.enabled) {
      const op = config.dns.operator;
      const pod = decideWorkload(config, DNS_OPERATOR_WORKLOAD);
      new DnsOperator(this, 'dns-operator', {
        instance,
        namespace,
        labels: objectLabels(instance, OPERATOR_POD),
        selectorLabels: selectorLabels(instance, OPERATOR_POD),
        image: workloadImage(config, DNS_OPERATOR_WORKLOAD),
        imagePullPolicy: config.mailu.imagePullPolicy,
        replicas: pod.replicas,
        pod,
        // The operator reads the same config, defaults filled in, so both sides agree exactly.
        config: { yaml: toYamlDocument(config as unknown as Record<string, unknown>) },
        metricsPort: op.metricsPort,
        resources: DEFAULT_RESOURCES.operator,
        mailuApiToken: mailuApiToken(config),
      });
    }

    // -- Prometheus scraping (prometheus-operator), opt-in
    if (config.metrics.enabled) new MetricsMonitors(this, 'metrics', { config });

    // -- network policies last: they cover everything above
    new NetworkPolicies(this, 'network-policies', { instance, namespace, flows: model.flows });
    if (model.traefikGuard) new TraefikEntryPointPolicy(this, 'traefik-entrypoints', { instance, guard: model.traefikGuard });
  }
}
