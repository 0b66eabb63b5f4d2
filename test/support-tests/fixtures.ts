// Valid manifests of every kind the schema helper knows, each filled with the fields a chart
// typically sets (nested refs, int-or-string, quantities, maps, arrays of objects), so the
// tests can check both "valid passes" and "an unknown field anywhere is caught".

type Manifest = Record<string, unknown>;

const ns = 'mailu';
const labels = { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/component': 'front', tier: 'edge' };

function meta(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, namespace: ns, labels: { ...labels }, annotations: { 'example.com/note': 'free text: any value' }, ...extra };
}

const podSpec = {
  serviceAccountName: 'mailu-front',
  automountServiceAccountToken: false,
  enableServiceLinks: false,
  securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  affinity: {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { tier: 'edge' } } } },
      ],
    },
  },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mail', effect: 'NoSchedule' }],
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { tier: 'edge' } } },
  ],
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  initContainers: [{ name: 'wait', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
  containers: [
    {
      name: 'front',
      image: 'ghcr.io/mailu/nginx:2024.06',
      imagePullPolicy: 'IfNotPresent',
      args: ['--x'],
      env: [
        { name: 'HOSTNAMES', value: 'mail.example.com' },
        { name: 'SECRET_KEY', valueFrom: { secretKeyRef: { name: 'mailu-secret', key: 'secret-key' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
      envFrom: [{ configMapRef: { name: 'mailu-env' } }],
      ports: [
        { name: 'http', containerPort: 80, protocol: 'TCP' },
        { name: 'smtp', containerPort: 25 },
      ],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi', cpu: 1 } },
      livenessProbe: { httpGet: { path: '/health', port: 'http', httpHeaders: [{ name: 'Host', value: 'x' }] }, periodSeconds: 10 },
      readinessProbe: { tcpSocket: { port: 25 }, initialDelaySeconds: 5 },
      startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
      lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      },
      volumeMounts: [
        { name: 'certs', mountPath: '/certs', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    },
  ],
  volumes: [
    { name: 'certs', secret: { secretName: 'mailu-tls', defaultMode: 0o400, items: [{ key: 'tls.crt', path: 'cert.pem' }] } },
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'mailu-data' } },
    { name: 'cfg', configMap: { name: 'mailu-env', optional: true } },
    { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'x' } }] } },
  ],
};

export const validManifests: Manifest[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('mailu-env'), data: { HOSTNAMES: 'mail.example.com', 'nginx.conf': 'x' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('mailu-secret'), type: 'Opaque', data: { 'secret-key': 'c2VjcmV0' }, stringData: { other: 'x' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('mailu-front'), automountServiceAccountToken: false },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('front'),
    spec: {
      type: 'LoadBalancer',
      selector: { tier: 'edge' },
      externalTrafficPolicy: 'Local',
      ipFamilyPolicy: 'PreferDualStack',
      ports: [
        { name: 'smtp', port: 25, targetPort: 'smtp', protocol: 'TCP' },
        { name: 'http', port: 80, targetPort: 8080 },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('mailu-data'),
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('front'),
    spec: {
      replicas: 2,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { tier: 'edge' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: { metadata: { labels: { ...labels }, annotations: { 'checksum/config': 'abc' } }, spec: podSpec },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('agent'),
    spec: {
      selector: { matchLabels: { tier: 'edge' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: { metadata: { labels: { ...labels } }, spec: podSpec },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('imap'),
    spec: {
      serviceName: 'imap',
      replicas: 1,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { tier: 'edge' } },
      template: { metadata: { labels: { ...labels } }, spec: podSpec },
      volumeClaimTemplates: [
        { metadata: { name: 'mail', labels: { tier: 'edge' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } },
      ],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('front'),
    spec: {
      podSelector: { matchLabels: { tier: 'edge' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ protocol: 'TCP', port: 25 }, { port: 'http' }] }],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 30000, endPort: 32767 }],
        },
      ],
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('web'),
    spec: {
      ingressClassName: 'traefik',
      tls: [{ hosts: ['mail.example.com'], secretName: 'mailu-tls' }],
      rules: [
        {
          host: 'mail.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'front', port: { name: 'http' } } } }] },
        },
      ],
      defaultBackend: { service: { name: 'front', port: { number: 80 } } },
    },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta('operator'),
    rules: [{ apiGroups: ['externaldns.k8s.io'], resources: ['dnsendpoints'], verbs: ['get', 'list', 'watch', 'create', 'patch'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'mailu:operator', labels: { ...labels } },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('operator'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'operator' },
    subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'mailu:operator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mailu:operator' },
    subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta('front'),
    spec: { minAvailable: 1, selector: { matchLabels: { tier: 'edge' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  },
  {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: meta('operator-leader'),
    spec: { holderIdentity: 'pod-1', leaseDurationSeconds: 15, acquireTime: '2024-01-01T00:00:00.000000Z', leaseTransitions: 0 },
  },
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: meta('mailu'),
    spec: {
      secretName: 'mailu-tls',
      dnsNames: ['mail.example.com', 'autoconfig.example.com'],
      issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      duration: '2160h',
      renewBefore: '360h',
      secretTemplate: { labels: { tier: 'edge' } },
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta('web'),
    spec: {
      parentRefs: [{ name: 'gateway', namespace: 'gateway-system', sectionName: 'https' }],
      hostnames: ['mail.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Forwarded-Proto', value: 'https' }] } }],
          backendRefs: [{ name: 'front', port: 80, weight: 1 }],
        },
      ],
    },
  },
  {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: meta('mailu-db'),
    spec: {
      instances: 2,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:16',
      storage: { size: '10Gi', storageClass: 'fast' },
      bootstrap: { initdb: { database: 'mailu', owner: 'mailu', secret: { name: 'mailu-db-app' } } },
      managed: { roles: [{ name: 'roundcube', ensure: 'present', login: true, passwordSecret: { name: 'roundcube-db' } }] },
      postgresql: { parameters: { max_connections: '100' } },
      resources: { requests: { memory: '256Mi', cpu: '100m' } },
      affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname' },
    },
  },
];

/** CRD-backed manifests; valid against both Traefik v2 and v3 unless noted. */
export const validCrdManifests: Manifest[] = [
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRouteTCP',
    metadata: meta('smtp'),
    spec: {
      entryPoints: ['smtp'],
      routes: [{ match: 'HostSNI(`*`)', services: [{ name: 'front', port: 25, weight: 1 }] }],
    },
  },
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: meta('web'),
    spec: {
      entryPoints: ['websecure'],
      routes: [
        {
          match: 'Host(`mail.example.com`)',
          kind: 'Rule',
          middlewares: [{ name: 'headers' }],
          services: [{ name: 'front', port: 'http', kind: 'Service' }],
        },
      ],
      tls: { secretName: 'mailu-tls' },
    },
  },
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: meta('headers'),
    spec: { headers: { stsSeconds: 31536000, stsIncludeSubdomains: true, customResponseHeaders: { 'X-Robots-Tag': 'none' } } },
  },
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'ServersTransport',
    metadata: meta('front'),
    spec: { serverName: 'front', insecureSkipVerify: false, maxIdleConnsPerHost: 4 },
  },
  {
    apiVersion: 'externaldns.k8s.io/v1alpha1',
    kind: 'DNSEndpoint',
    metadata: meta('mailu-dns'),
    spec: {
      endpoints: [
        { dnsName: 'mail.example.com', recordType: 'A', targets: ['192.0.2.10'], recordTTL: 300 },
        { dnsName: 'example.com', recordType: 'TXT', targets: ['v=spf1 mx -all'], labels: { owner: 'mailu' }, providerSpecific: [{ name: 'x', value: 'y' }] },
      ],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEgressGatewayPolicy',
    metadata: { name: 'mailu-egress', labels: { ...labels } },
    spec: {
      selectors: [{ podSelector: { matchLabels: { tier: 'edge' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }],
      destinationCIDRs: ['0.0.0.0/0'],
      excludedCIDRs: ['10.0.0.0/8'],
      egressGateway: { nodeSelector: { matchLabels: { egress: 'true' } }, egressIP: '192.0.2.20' },
    },
  },
];
