// The one config schema. YAML files and TypeScript objects are both parsed by `configSchema`, so
// they cannot drift; `mailu-k8s schema` prints its JSON Schema for editors.
//
// Only syntax and per-field rules live here. Decisions that combine fields (trust, exposure
// invariants, TLS flavour) live in src/model and are checked by validateModel().
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { DEFAULT_MAIL_PORTS, MAIL_PORT_NUMBERS } from './mail-ports.js';
import { cidrProblem, type Family, ipOrCidr, notAnAddress } from './addresses.js';
import { withDefaultBranch } from './branches.js';
import { ciliumMinorVersion, dualStackCidr, mergeIpv6Half } from './dual-stack.js';
import { backupSection } from './backup.js';
import { DMARC_ALIGNMENTS, DMARC_POLICIES, domainsSection, MTA_STS_ID_MESSAGE, MTA_STS_ID_RE, MTA_STS_MODES } from './domains.js';
import { classifyMailuVersion, DEFAULT_MAILU_VERSION } from './mailu-version.js';
import { cpuAmount, memorySize, messageSize, storageSize } from './quantity.js';
import { HELM_CHART_REQUIRED_CLAIMS, helmChartClaimClash } from './helm-chart-claims.js';
import { claimAnnotations, duration, existingClaims, fetchmailSection, mailTlsSection, metricsSection, quotaSize, redisAuth, storageClasses, webmailSection, welcomeSection } from './knobs.js';
import { overridesSection } from './overrides.js';
import { annotations, labelMap } from './kube-shapes.js';
import { servicesSection, workloadsSection } from './workloads.js';
import {
  bareHost,
  dmarcReportUri,
  envValue,
  serviceHost,
  timezone,
  traefikMinorVersion,
  traefikVersion,
  withReportSizeLimits,
  withTraefikVersion,
  portNumber,
} from './spellings.js';

// ---------------------------------------------------------------- primitives

const HOSTNAME_RE = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RATE_RE = /^[0-9]+\s*\/\s*(second|minute|hour|day)$/;

export const hostname = z
  .string()
  .transform((s) => s.toLowerCase().replace(/\.$/, ''))
  .refine((s) => HOSTNAME_RE.test(s), { message: 'not a valid DNS name (letters, digits, hyphens; at least two labels)' });

// SPF include targets are DNS names, not hostnames: labels like _spf are common.
const SPF_DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?)+$/;
export const dnsDomain = z
  .string()
  .transform((s) => s.toLowerCase().replace(/\.$/, ''))
  .refine((s) => SPF_DOMAIN_RE.test(s), { message: 'not a valid DNS name' });

const dnsLabel = (what: string) =>
  z.string().regex(DNS_LABEL_RE, { message: `not a valid ${what} (lower-case DNS label, max 63 chars)` });

/** A CIDR in canonical form: host bits set (10.42.0.1/16) is refused with the network to write. */
function cidrOf(family: Family) {
  return z.string().superRefine((s, ctx) => {
    const problem = cidrProblem(s, family);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
export const cidr = cidrOf('any');
export const cidr4 = cidrOf('ipv4');
export const cidr6 = cidrOf('ipv6');

export const ipAddress = z.string().refine((s) => ipaddr.isValid(s) && !s.includes('/'), {
  message: 'not an IP address',
});

const port = portNumber;
const rate = z.string().regex(RATE_RE, { message: 'not a rate like "5/hour" or "200/day"' });
const secretRef = (defaultKey: string) =>
  z.strictObject({
    name: dnsLabel('Secret name'),
    key: z.string().min(1).default(defaultKey),
  });

const mailPort = z
  .number()
  .int()
  .refine((p) => MAIL_PORT_NUMBERS.includes(p), {
    message: `not a Mailu mail port (allowed: ${MAIL_PORT_NUMBERS.join(', ')})`,
  });

// ---------------------------------------------------------------- sections

const resourceSpec = z.strictObject({
  requests: z.strictObject({ cpu: cpuAmount.optional(), memory: memorySize.optional() }).optional(),
  limits: z.strictObject({ cpu: cpuAmount.optional(), memory: memorySize.optional() }).optional(),
});

export const COMPONENTS = [
  'front', 'admin', 'smtp', 'imap', 'antispam', 'antivirus', 'webmail', 'webdav', 'fetchmail',
  'oletools', 'tika', 'redis', 'resolver',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

const mailuSection = z.strictObject({
  /** A Mailu 2024.06 release tag (2024.06.N up to the default, or the moving 2024.06); see mailu-version.ts. */
  version: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'not a valid image tag' })
    .default(DEFAULT_MAILU_VERSION),
  /** Deploy a version outside the supported releases anyway (a warning, not an error). */
  allowUntestedVersion: z.boolean().default(false),
  registry: z.string().min(1).default('ghcr.io/mailu'),
  imagePullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).default('IfNotPresent'),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']).default('WARNING'),
  /** A size with a unit, e.g. 50Mi (see quantity.ts for the spellings and the 1Mi..1Gi range). */
  messageSizeLimit: messageSize.default('50Mi'),
  rateLimits: z
    .strictObject({
      authIp: rate.default('5/hour'),
      authIpV4Mask: z.number().int().min(8).max(32).default(24),
      authIpV6Mask: z.number().int().min(16).max(128).default(48),
      authUser: rate.default('50/day'),
      message: rate.default('200/day'),
      exemption: z.array(cidr).default([]),
      messageExemption: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  recipientDelimiter: z.string().max(4).default('+'),
  fullTextSearch: z.string().regex(/^(off|[a-z]{2}(,[a-z]{2})*)$/, { message: 'not "off" or a comma list of language codes' }).default('en'),
  /** Welcome mail to new users (WELCOME, WELCOME_SUBJECT, WELCOME_BODY). */
  welcome: welcomeSection.optional(),
  /** Default mailbox quota of new users (DEFAULT_QUOTA); Mailu's default is 1G. */
  defaultQuota: quotaSize.optional(),
  /** TLS policy for mail between servers: inbound on port 25, outbound delivery. */
  tls: mailTlsSection.prefault({}),
  /** Infected mail: discarded (Mailu's default) or rejected at SMTP time (ANTIVIRUS_ACTION). */
  antivirusAction: z.enum(['discard', 'reject']).optional(),
  /** Idle web session timeout (SESSION_TIMEOUT); Mailu's default 1h. */
  sessionTimeout: duration(60, 30 * 86400).optional(),
  /** "Remember me" web session lifetime (PERMANENT_SESSION_LIFETIME); Mailu's default 30d. */
  sessionLifetime: duration(3600, 365 * 86400).optional(),
  /** Password hashing rounds (CREDENTIAL_ROUNDS, bcrypt cost): 12 (Mailu's default) to 16. */
  credentialRounds: z.number().int().min(12, { message: 'must be at least 12 (Mailu\'s default): fewer rounds make stolen hashes cheap to crack' }).max(16, { message: 'must be at most 16: every login costs 2^rounds hash steps, and above 16 a login takes seconds' }).optional(),
  /** Extra Mailu environment, passed through verbatim into the shared ConfigMap. */
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'not an environment variable name' }), envValue).default({}),
}).superRefine((m, ctx) => {
  const verdict = classifyMailuVersion(m.version);
  if (verdict.kind === 'unsupported' && !m.allowUntestedVersion) ctx.addIssue({ code: 'custom', path: ['version'], message: verdict.reason });
});

/**
 * What a distribution decides for the user when they leave it out. generic asks for the pod CIDR:
 * SUBNET (who may relay) comes from it, and no guess is safe. k3s's defaults are documented
 * (--cluster-cidr 10.42.0.0/16, --service-cidr 10.43.0.0/16, packaged Traefik in kube-system).
 */
const CLUSTER_PRESETS = {
  generic: { podCidr: undefined, traefikNamespace: 'traefik' },
  k3s: { podCidr: '10.42.0.0/16', traefikNamespace: 'kube-system' },
} as const;

const clusterSection = z
  .strictObject({
    /** Preset for the defaults below: `k3s` fills in k3s's pod range and Traefik's namespace. */
    distribution: z.enum(['generic', 'k3s']).default('generic'),
    /** Required unless the distribution knows it (k3s: 10.42.0.0/16). A k3s-style pair "v4,v6" also sets podCidr6. */
    podCidr: dualStackCidr('podCidr').optional(),
    /** The pod IPv6 range of a dual-stack cluster (SUBNET6); needs serviceCidr6. */
    podCidr6: cidr6.optional(),
    /** A k3s-style pair "v4,v6" also sets serviceCidr6. */
    serviceCidr: dualStackCidr('serviceCidr').prefault('10.43.0.0/16'),
    /** The service IPv6 range of a dual-stack cluster; needs podCidr6. */
    serviceCidr6: cidr6.optional(),
    clusterDomain: hostname.or(z.literal('cluster.local')).default('cluster.local'),
    /** ClusterIP of the cluster DNS (kube-dns/CoreDNS); default: the 10th address of serviceCidr. */
    dnsServiceIp: ipAddress.optional(),
    /** ClusterIP reserved for Mailu's validating resolver; default: the 53rd address of serviceCidr. */
    resolverServiceIp: ipAddress.optional(),
    /** Namespace Traefik runs in, for mail routes and web alike (NetworkPolicies admit it). */
    traefikNamespace: dnsLabel('namespace').optional(),
  })
  .transform((c, ctx) => {
    const preset = CLUSTER_PRESETS[c.distribution];
    const podCidr = c.podCidr?.v4 ?? preset.podCidr;
    const issuesBefore = ctx.issues.length;
    const podCidr6 = mergeIpv6Half('podCidr', c.podCidr?.v6, c.podCidr6, ctx);
    const serviceCidr6 = mergeIpv6Half('serviceCidr', c.serviceCidr.v6, c.serviceCidr6, ctx);
    if (ctx.issues.length > issuesBefore || !requireBothIpv6Ranges(podCidr6, serviceCidr6, ctx)) return z.NEVER;
    if (podCidr === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: c.podCidr,
        path: ['podCidr'],
        message: 'is required: the pod CIDR (e.g. 10.42.0.0/16); on k3s set cluster.distribution: k3s to use its default',
      });
      return z.NEVER;
    }
    return {
      ...c,
      podCidr,
      serviceCidr: c.serviceCidr.v4,
      ...(podCidr6 ? { podCidr6 } : {}),
      ...(serviceCidr6 ? { serviceCidr6 } : {}),
      traefikNamespace: c.traefikNamespace ?? preset.traefikNamespace,
    };
  });

/**
 * A dual-stack cluster has both IPv6 ranges: SUBNET6 comes from the pod range, and the
 * NetworkPolicies' "internet" (::/0) must leave out the service range as well, or a pod could
 * reach front through a ClusterIP with an address inside SUBNET6.
 */
function requireBothIpv6Ranges(pod6: string | undefined, svc6: string | undefined, ctx: z.core.$RefinementCtx): boolean {
  if ((pod6 === undefined) === (svc6 === undefined)) return true;
  const [missing, given, example] = pod6 === undefined ? ['podCidr6', 'serviceCidr6', '2001:db8:42::/56'] : ['serviceCidr6', 'podCidr6', '2001:db8:43::/112'];
  ctx.issues.push({
    code: 'custom',
    input: undefined,
    path: [missing],
    message: `is required with cluster.${given}: a dual-stack cluster has an IPv6 pod range and an IPv6 service range (e.g. ${example}; k3s: the IPv6 half of --${missing === 'podCidr6' ? 'cluster-cidr' : 'service-cidr'})`,
  });
  return false;
}

/** A key that moved: refused with a pointer to where it lives now. */
const movedTo = (path: string) => z.never({ error: `moved to ${path}` }).optional();

const componentsSection = z.strictObject({
  webmail: z.enum(['roundcube', 'snappymail', 'none']).default('roundcube'),
  admin: z.boolean().default(true),
  antivirus: z.boolean().default(true),
  webdav: z.boolean().default(false),
  fetchmail: z.boolean().default(false),
  oletools: z.boolean().default(true),
  tika: z.boolean().default(false),
});

const dbSecret = z.strictObject({
  name: dnsLabel('Secret name'),
  usernameKey: z.string().default('username'),
  passwordKey: z.string().default('password'),
});

const databaseSection = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite') }),
  z.strictObject({
    type: z.enum(['postgresql', 'mysql']),
    /** A Service name (postgres-rw, postgres-rw.databases), a DNS name or an IP address. */
    host: serviceHost('database.port'),
    port: port.optional(),
    name: z.string().min(1).default('mailu'),
    secret: dbSecret,
    roundcube: z.strictObject({ name: z.string().min(1).default('roundcube'), secret: dbSecret }).optional(),
  }),
  z.strictObject({
    type: z.literal('cnpg'),
    instances: z.number().int().min(1).max(9).default(2),
    storage: z.strictObject({ size: storageSize.default('10Gi'), storageClass: z.string().optional() }).prefault({}),
    imageName: z.string().optional(),
  }),
]);

const redisSection = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('bundled'), image: z.string().default('docker.io/library/redis:7.4-alpine'), auth: redisAuth.optional() }),
  z.strictObject({ mode: z.literal('external'), host: serviceHost('redis.port'), port: port.default(6379), auth: redisAuth.optional() }),
]);

const secretsSection = z.strictObject({
  /** Secret holding Mailu's SECRET_KEY (16+ random bytes). Default name: <instance>-secret-key. */
  secretKey: z.strictObject({ name: dnsLabel('Secret name').optional(), key: z.string().default('secret-key') }).prefault({}),
  initialAdmin: z
    .strictObject({
      username: z.string().regex(/^[a-z0-9._+-]+$/i, { message: 'not a mailbox local part' }).default('admin'),
      secret: secretRef('password'),
      mode: z.enum(['ifmissing', 'update', 'create']).default('ifmissing'),
    })
    .optional(),
  apiToken: secretRef('api-token').optional(),
});

const tlsSection = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('certManager'),
    issuer: z.strictObject({ name: z.string().min(1), kind: z.enum(['ClusterIssuer', 'Issuer']).default('ClusterIssuer') }),
    secretName: dnsLabel('Secret name').optional(),
  }),
  z.strictObject({ source: z.literal('secret'), secretName: dnsLabel('Secret name') }),
  z.strictObject({ source: z.literal('none') }),
]);

const sizes = z.strictObject({
  admin: storageSize.default('2Gi'),
  imap: storageSize.default('50Gi'),
  smtp: storageSize.default('5Gi'),
  antispam: storageSize.default('2Gi'),
  antivirus: storageSize.default('2Gi'),
  webmail: storageSize.default('2Gi'),
  webdav: storageSize.default('2Gi'),
  fetchmail: storageSize.default('256Mi'),
  redis: storageSize.default('1Gi'),
});

/** A PersistentVolumeClaim name (a DNS subdomain). */
const claimName = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
  message: 'not a valid claim name (lower-case letters, digits, "-" and ".")',
});
const chartClaim = claimName.optional();

/** The Helm chart's existing claim(s), mounted with the chart's folder layout (nothing is copied). */
const helmChartStorage = z
  .strictObject({
    /** The chart's single claim (persistence.single_pvc, the chart's default): <fullname>-storage. */
    claimName: claimName.optional(),
    /** The chart's per-component claims (persistence.single_pvc: false), by our component names. */
    claims: z
      .strictObject({ admin: chartClaim, imap: chartClaim, smtp: chartClaim, antispam: chartClaim, webmail: chartClaim, webdav: chartClaim, fetchmail: chartClaim })
      .optional(),
  })
  .superRefine((h, ctx) => {
    if ((h.claimName === undefined) === (h.claims === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give claimName (the chart\'s single claim) or claims (its per-component claims), one of them' });
    }
    for (const c of h.claims ? HELM_CHART_REQUIRED_CLAIMS : []) {
      if (!h.claims?.[c]) ctx.addIssue({ code: 'custom', path: ['claims', c], message: `is required: ${c} always runs and its data is on the chart's claim` });
    }
  });

const storageSection = z
  .strictObject({
    storageClass: z.string().optional(),
    /** perComponent: a new claim each; shared: one new RWX claim; helmChart: the Helm chart's existing claim(s). */
    mode: z.enum(['perComponent', 'shared', 'helmChart']).default('perComponent'),
    sizes: sizes.prefault({}),
    /** Size of the single ReadWriteMany claim in shared mode. */
    sharedSize: storageSize.default('100Gi'),
    /** Name of the shared claim (default <instance>-shared-data); never a name the Helm chart uses. */
    sharedClaimName: claimName
      .superRefine((name, ctx) => {
        const clash = helmChartClaimClash(name);
        if (clash) ctx.addIssue({ code: 'custom', message: clash });
      })
      .optional(),
    helmChart: helmChartStorage.optional(),
    /** Claims you already have (a previous install's), by component: used as they are, no claim created. */
    existingClaims: existingClaims.default({}),
    /** StorageClass per component, for the claims mailu-k8s creates (default storageClass). */
    classes: storageClasses.default({}),
    /** Annotations on every claim mailu-k8s creates. */
    annotations: claimAnnotations.default({}),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'helmChart' && !s.helmChart) {
      ctx.addIssue({ code: 'custom', path: ['helmChart'], message: 'is required with storage.mode helmChart: the chart\'s claim (claimName) or its per-component claims (claims)' });
    }
    if (s.mode !== 'helmChart' && s.helmChart) ctx.addIssue({ code: 'custom', path: ['helmChart'], message: 'is only used with storage.mode: helmChart' });
    if (s.mode !== 'shared' && s.sharedClaimName) ctx.addIssue({ code: 'custom', path: ['sharedClaimName'], message: 'is only used with storage.mode: shared' });
  });

const resourcesSection = z.partialRecord(z.enum(COMPONENTS), resourceSpec).default({});

const traefikEntryPoints = z.partialRecord(
  z.enum(MAIL_PORT_NUMBERS.map(String) as [string, ...string[]]),
  z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'not a Traefik entry point name' }),
);

const exposureSection = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('hostPort'),
    ports: z.array(mailPort).min(1).default([...DEFAULT_MAIL_PORTS]),
    hostPort: z
      .strictObject({
        daemonSet: z.boolean().default(false),
        /** Nodes that may run front (and so own the MX address). */
        nodeSelector: labelMap.default({}),
      })
      .prefault({}),
  }),
  z.strictObject({
    mode: z.literal('loadBalancer'),
    ports: z.array(mailPort).min(1).default([...DEFAULT_MAIL_PORTS]),
    loadBalancer: z
      .strictObject({
        externalTrafficPolicy: z.enum(['Local', 'Cluster']).default('Local'),
        loadBalancerIP: ipAddress.optional(),
        loadBalancerClass: z.string().optional(),
        annotations: annotations.default({}),
        /** Default on a dual-stack cluster (cluster.podCidr6): PreferDualStack; otherwise the cluster's (SingleStack). */
        ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
        /** The Service's families in order; default on a dual-stack cluster: [IPv4, IPv6]. */
        ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).min(1).max(2).optional(),
        /** Older spelling of workloads.front.replicas (one of the two). */
        replicas: z.number().int().min(1).max(10).optional(),
        proxyProtocol: z.strictObject({ trustedCidrs: z.array(cidr).min(1) }).optional(),
      })
      .prefault({}),
  }),
  z.strictObject({
    mode: z.literal('traefik'),
    ports: z.array(mailPort).min(1).default([...DEFAULT_MAIL_PORTS]),
    // version "v3.5" sets minorVersion "5" (withTraefikVersion).
    traefik: withTraefikVersion(z.strictObject({
      version: traefikVersion.default({ major: 3 }),
      /** Minor[.patch] within the major version, e.g. "5.1" for 3.5.1; decides how PROXY is sent. Default: the last release line (2.11 / 3.7). */
      minorVersion: traefikMinorVersion.optional(),
      entryPoints: traefikEntryPoints.default({}),
      /** Addresses Traefik's pods connect to front from (their pod CIDR slice or node IPs). */
      trustedProxyCidrs: z.array(cidr).min(1),
      /** When a load balancer in front of Traefik itself sends PROXY protocol: its addresses. */
      loadBalancerProxyCidrs: z.array(cidr).default([]),
      namespace: movedTo('cluster.traefikNamespace (one setting for mail and web)'),
      /** Older spelling of workloads.front.replicas (one of the two). */
      replicas: z.number().int().min(1).max(10).optional(),
      /** Opt-in: a NetworkPolicy in Traefik's namespace that closes its mail entry points to the cluster's pods. */
      entryPointPolicy: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Labels of Traefik's pods (the Traefik Helm chart and k3s set app.kubernetes.io/name: traefik). */
          podLabels: labelMap.default({ 'app.kubernetes.io/name': 'traefik' }),
        })
        .prefault({}),
    })),
  }),
]);

const webSection = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('ingress'),
    className: z.string().min(1),
    annotations: annotations.default({}),
    /** Addresses the ingress controller connects from: trusted for X-Forwarded-For. */
    realIpFrom: z.array(cidr).default([]),
    namespace: dnsLabel('namespace').default('ingress-nginx'),
  }),
  z.strictObject({
    kind: z.literal('traefik'),
    entryPoints: z.array(z.string().min(1)).default(['websecure']),
    realIpFrom: z.array(cidr).default([]),
    namespace: movedTo('cluster.traefikNamespace (one setting for mail and web)'),
  }),
  z.strictObject({
    kind: z.literal('gatewayApi'),
    parentRef: z.strictObject({
      name: z.string().min(1),
      namespace: dnsLabel('namespace').optional(),
      sectionName: z.string().optional(),
    }),
    realIpFrom: z.array(cidr).default([]),
    /** Namespace of the Gateway's data-plane pods, for the NetworkPolicy that admits them. */
    namespace: dnsLabel('namespace').optional(),
  }),
]);

const egressSection = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('nodeIps'),
    /** Public IPs mail leaves from (the nodes smtp may run on). */
    addresses: z.array(ipAddress).default([]),
    /** Restricts smtp and fetchmail to these nodes, so the SPF list stays short. */
    nodeSelector: labelMap.default({}),
  }),
  z.strictObject({
    mode: z.literal('ciliumGateway'),
    nodeSelector: labelMap.refine((m) => Object.keys(m).length > 0, { message: 'must select the gateway node(s)' }),
    egressIP: ipAddress.optional(),
    interface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: 'not an interface name' }).optional(),
    /** Public IPv4 address(es) the gateway sends from (after any provider NAT). */
    publicIPs: z.array(ipAddress).default([]),
    /** IPv6 addresses mail leaves from: the gateway's (Cilium 1.18+, ciliumVersion set) or the nodes' (older Cilium). */
    ipv6Addresses: z.array(ipAddress).default([]),
    /** The cluster's Cilium minor release, e.g. "1.18": from 1.18 the gateway also carries IPv6 mail. */
    ciliumVersion: ciliumMinorVersion.optional(),
  }),
  z.strictObject({
    mode: z.literal('relay'),
    host: bareHost('egress.port').pipe(hostname),
    port: port.default(587),
    /** Relay credentials; leave out for a relay that admits the cluster by its address. */
    secret: z
      .strictObject({
        name: dnsLabel('Secret name'),
        usernameKey: z.string().default('username'),
        passwordKey: z.string().default('password'),
      })
      .optional(),
    spfInclude: z.array(dnsDomain).default([]),
  }),
]);

const dnsSection = z.strictObject({
  ttl: z.number().int().min(30).max(86400).default(600),
  /** Static public addresses of the primary hostname (A/AAAA); omit to let the operator publish them. */
  addresses: z.array(ipAddress).default([]),
  spf: z
    .strictObject({
      all: z.enum(['-all', '~all']).default('~all'),
      include: z.array(dnsDomain).default([]),
      extraIps: z.array(ipOrCidr).default([]),
    })
    .prefault({}),
  dmarc: z
    .strictObject({
      policy: z.enum(DMARC_POLICIES).default('reject'),
      /** dmarc@example.com or mailto:dmarc@example.com[!10m]; the size limit is output as ruaSizeLimit. */
      rua: dmarcReportUri.optional(),
      ruf: dmarcReportUri.optional(),
      adkim: z.enum(DMARC_ALIGNMENTS).default('s'),
      aspf: z.enum(DMARC_ALIGNMENTS).default('s'),
    })
    .transform(withReportSizeLimits)
    .prefault({}),
  dkim: z.strictObject({ selector: dnsLabel('DKIM selector').default('dkim') }).prefault({}),
  mtaSts: z
    .strictObject({
      enabled: z.boolean().default(false),
      mode: z.enum(MTA_STS_MODES).default('testing'),
      id: z.string().regex(MTA_STS_ID_RE, { message: MTA_STS_ID_MESSAGE }).default('1'),
    })
    .prefault({}),
  externalDns: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** external-dns annotation/provider-specific prefix; v0.22 changed it from external-dns.alpha.kubernetes.io/. */
      annotationPrefix: z.string().regex(/\/$/, { message: 'must end with "/"' }).default('external-dns.kubernetes.io/'),
      /** Zero-operator alternative: hostname annotation on the front pod for external-dns's pod source. */
      podSource: z.boolean().default(false),
    })
    .prefault({}),
  operator: z
    .strictObject({
      enabled: z.boolean().default(false),
      image: z.string().min(1).default('ghcr.io/mailu-k8s/operator:0.1.0'),
      /** Older spelling of workloads.dnsOperator.replicas (one of the two); default 2. */
      replicas: z.number().int().min(1).max(5).optional(),
      ttl: z.number().int().min(30).max(86400).default(60),
      onNoReadyPod: z.enum(['keep', 'remove']).default('keep'),
      /** Publish the A/AAAA record for every hostname, not only the primary one. */
      allHostnames: z.boolean().default(false),
      /** Per family, the node address type that holds the public address (InternalIP where nodes report it only so). */
      nodeAddressType: z
        .strictObject({
          ipv4: z.enum(['ExternalIP', 'InternalIP']).default('ExternalIP'),
          ipv6: z.enum(['ExternalIP', 'InternalIP']).default('ExternalIP'),
        })
        .prefault({}),
      resyncSeconds: z.number().int().min(10).max(86400).default(300),
      leaseDurationSeconds: z.number().int().min(5).max(300).default(15),
      metricsPort: port.default(8080),
      /** Publish every mail domain Mailu's admin knows (records, DKIM keys) from Mailu's API. */
      mailuApi: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** The API token's Secret (default secrets.apiToken); never the token itself. */
          secret: secretRef('api-token').optional(),
          intervalSeconds: z.number().int().min(10).max(86400).default(60),
          timeoutSeconds: z.number().int().min(1).max(120).default(10),
          /** Ask Mailu for a DKIM key for a domain that has none (never rotates or deletes one). */
          generateDkim: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({}),
});

// ---------------------------------------------------------------- the whole config

export const configSchema = z.strictObject({
  /** Instance name: prefix of every object name and value of app.kubernetes.io/instance. */
  instance: dnsLabel('instance name').refine((s) => s.length <= 40, { message: 'at most 40 characters' }).default('mailu'),
  domain: hostname.superRefine(notAnAddress('the mail domain')),
  hostnames: z.array(hostname.superRefine(notAnAddress('a mail hostname'))).min(1),
  /** Further mail domains besides `domain`, each with optional DNS settings of its own (domains.ts). */
  domains: domainsSection,
  namespace: dnsLabel('namespace').default('mailu'),
  /** Emit the Namespace itself; deleting the output then deletes it with your Secrets and volumes. */
  manageNamespace: z.boolean().default(false),
  postmaster: z.string().regex(/^[a-z0-9._+-]+$/i, { message: 'not a mailbox local part' }).default('postmaster'),
  timezone: timezone.default('Etc/UTC'),
  mailu: mailuSection.prefault({}),
  cluster: clusterSection.prefault({}),
  components: componentsSection.prefault({}),
  // Unions: a missing selector is inferred from the keys given or takes the default (branches.ts).
  database: withDefaultBranch(databaseSection, 'type', 'sqlite').prefault({ type: 'sqlite' }),
  redis: withDefaultBranch(redisSection, 'mode', 'bundled').prefault({ mode: 'bundled' }),
  secrets: secretsSection.prefault({}),
  tls: withDefaultBranch(tlsSection, 'source'),
  storage: storageSection.prefault({}),
  resources: resourcesSection,
  exposure: withDefaultBranch(exposureSection, 'mode', 'hostPort').prefault({ mode: 'hostPort' }),
  web: withDefaultBranch(webSection, 'kind', 'none').prefault({ kind: 'none' }),
  egress: withDefaultBranch(egressSection, 'mode', 'nodeIps').prefault({ mode: 'nodeIps' }),
  dns: dnsSection.prefault({}),
  /** The validating resolver every Mailu pod depends on: never fewer than two (older spelling of workloads.resolver.replicas). */
  resolver: z.strictObject({ replicas: z.number().int().min(2).max(9).optional() }).prefault({}),
  /** Per-workload scheduling, metadata, image, environment, replicas and security additions. */
  workloads: workloadsSection(COMPONENTS),
  /** Labels and annotations of the Services (each component's, and front's public one). */
  services: servicesSection(COMPONENTS),
  /** Scheduled backups (Velero for the volumes, CloudNativePG for its database); none when left out. */
  backup: backupSection.optional(),
  /** Files Mailu's start-up scripts read from /overrides, by Mailu's daemon names. */
  overrides: overridesSection.prefault({}),
  /** Webmail (Roundcube) settings. */
  webmail: webmailSection.prefault({}),
  /** fetchmail settings (components.fetchmail switches it on). */
  fetchmail: fetchmailSection.prefault({}),
  /** Opt-in Prometheus scraping through prometheus-operator. */
  metrics: metricsSection.prefault({}),
});

/** What users write (TypeScript users get completion and excess-property checks from this). */
export type MailuConfigInput = z.input<typeof configSchema>;
/** The parsed config with every default filled in. */
export type MailuConfig = z.output<typeof configSchema>;
export type ExposureConfig = MailuConfig['exposure'];
export type WebConfig = MailuConfig['web'];
export type EgressConfig = MailuConfig['egress'];
export type DatabaseConfig = MailuConfig['database'];
export type TlsConfig = MailuConfig['tls'];
export type ResourceSpec = z.output<typeof resourceSpec>;
