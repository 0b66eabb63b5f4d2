// Hand-written values, one case per chart value the import maps: each is reported with the right
// status and our key, lands in the config with the right value, and the config is valid.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailuConfig } from '../../src/config/schema.js';
import { MANAGED_ENV } from '../../src/model/env-policy.js';
import { importHelmValues, type ImportResult, type Status } from '../../src/import/index.js';
import { parseConfig } from '../../src/validation/index.js';
import { render } from '../support/chart-helpers.js';

const BASE = { domain: 'example.org', hostnames: ['mail.example.org'] };

/** Where a Mailu tunable goes: the typed field the env policy names for it, else mailu.env. */
const envKey = (name: string) => (MANAGED_ENV[name] && /^[\w.]+$/.test(MANAGED_ENV[name]!) ? MANAGED_ENV[name]! : `mailu.env.${name}`);
/** A tunable's value in the parsed config, as the text Mailu reads. */
function tunableIn(c: MailuConfig, name: string): string | undefined {
  const v = envKey(name).split('.').reduce<unknown>((cur, seg) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined), c);
  return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
}

interface Case {
  name: string;
  values: Record<string, unknown>;
  /** Chart path → [status, our key (one of the entry's targets)]. */
  report: Record<string, [Status, string?]>;
  check?: (c: MailuConfig, r: ImportResult) => void;
  release?: string;
}

const CASES: Case[] = [
  {
    name: 'domain, hostnames, postmaster, timezone, recipient delimiter, log level, cluster domain',
    values: { ...BASE, postmaster: 'hostmaster', timezone: 'Europe/Berlin', recipientDelimiter: '-', logLevel: 'info', clusterDomain: 'k8s.example.org' },
    report: { domain: ['mapped', 'domain'], hostnames: ['mapped', 'hostnames'], postmaster: ['mapped', 'postmaster'], timezone: ['mapped', 'timezone'], recipientDelimiter: ['mapped', 'mailu.recipientDelimiter'], logLevel: ['mapped', 'mailu.logLevel'], clusterDomain: ['mapped', 'cluster.clusterDomain'] },
    check: (c) => {
      assert.deepEqual([c.domain, c.hostnames, c.postmaster, c.timezone], ['example.org', ['mail.example.org'], 'hostmaster', 'Europe/Berlin']);
      assert.deepEqual([c.mailu.recipientDelimiter, c.mailu.logLevel, c.cluster.clusterDomain], ['-', 'INFO', 'k8s.example.org']);
    },
  },
  {
    name: 'subnet and subnet6',
    values: { ...BASE, subnet: '10.244.0.0/16', subnet6: 'fd00:10:244::/56' },
    report: { subnet: ['mapped', 'cluster.podCidr'], subnet6: ['mapped', 'cluster.podCidr6'] },
    check: (c) => assert.deepEqual([c.cluster.podCidr, c.cluster.podCidr6], ['10.244.0.0/16', 'fd00:10:244::/56']),
  },
  {
    name: 'initialAccount from the chart\'s Secret',
    values: { ...BASE, initialAccount: { enabled: true, username: 'boss', domain: 'example.org', mode: 'ifmissing' } },
    report: { 'initialAccount.username': ['mapped', 'secrets.initialAdmin.username'], 'initialAccount.mode': ['mapped', 'secrets.initialAdmin.mode'], 'initialAccount.domain': ['default'] },
    check: (c, r) => {
      assert.deepEqual(c.secrets.initialAdmin, { username: 'boss', mode: 'ifmissing', secret: { name: 'mailu-initial-admin', key: 'password' } });
      assert.ok(r.report.steps.some((s) => s.includes('create secret generic mailu-initial-admin --from-literal=password="$(kubectl -n mailu get secret mailu-initial-account -o jsonpath=\'{.data.initial-account-password}\'')));
    },
  },
  {
    name: 'initialAccount with its own Secret',
    values: { ...BASE, initialAccount: { enabled: true, username: 'boss', existingSecret: 'admin-pw', existingSecretPasswordKey: 'pw' } },
    report: { 'initialAccount.existingSecret': ['mapped', 'secrets.initialAdmin.secret'] },
    check: (c, r) => {
      assert.deepEqual(c.secrets.initialAdmin?.secret, { name: 'admin-pw', key: 'pw' });
      assert.equal(c.secrets.initialAdmin?.mode, 'update', 'the chart\'s default mode');
      assert.ok(!r.report.steps.some((s) => s.includes('initial')), 'your Secret is not copied');
    },
  },
  {
    name: 'existingSecret (SECRET_KEY)',
    values: { ...BASE, existingSecret: 'mailu-key' },
    report: { existingSecret: ['mapped', 'secrets.secretKey.name'] },
    check: (c, r) => {
      assert.deepEqual(c.secrets.secretKey, { name: 'mailu-key', key: 'secret-key' });
      assert.ok(!r.report.steps.some((s) => s.includes('secret-key')));
    },
  },
  {
    name: 'secretKey in the values: the chart\'s Secret is copied, the value never',
    values: { ...BASE, secretKey: 'not-this' },
    report: { secretKey: ['secret'], existingSecret: ['secret', 'secrets.secretKey.name'] },
    check: (c, r) => {
      assert.equal(c.secrets.secretKey.name, 'mailu-secret-key');
      assert.ok(r.report.steps.includes('kubectl -n mailu create secret generic mailu-secret-key --from-literal=secret-key="$(kubectl -n mailu get secret mailu-secret -o jsonpath=\'{.data.secret-key}\' | base64 -d)"'));
    },
  },
  {
    name: 'api from the chart\'s Secret, release named otherwise',
    release: 'mail',
    values: { ...BASE, api: { enabled: true } },
    report: { 'api.enabled': ['mapped', 'secrets.apiToken'] },
    check: (c, r) => {
      assert.deepEqual(c.secrets.apiToken, { name: 'mailu-api-token', key: 'api-token' });
      assert.ok(r.report.steps.some((s) => s.includes('get secret mail-mailu-api ')), 'release mail → fullname mail-mailu');
    },
  },
  {
    name: 'api with its own Secret',
    values: { ...BASE, api: { enabled: true, existingSecret: 'tok', existingSecretTokenKey: 'token' } },
    report: { 'api.existingSecret': ['mapped', 'secrets.apiToken'] },
    check: (c) => assert.deepEqual(c.secrets.apiToken, { name: 'tok', key: 'token' }),
  },
  {
    name: 'limits',
    values: {
      ...BASE,
      limits: {
        messageSizeLimitInMegabytes: 100,
        authRatelimit: { ip: '10/hour', ipv4Mask: 28, ipv6Mask: 64, user: '20/day', exemption: '10.0.0.0/8, 192.168.0.0/16' },
        messageRatelimit: { value: '100/day', exemption: 'bulk@example.org' },
      },
    },
    report: {
      'limits.messageSizeLimitInMegabytes': ['mapped', 'mailu.messageSizeLimit'],
      'limits.authRatelimit.ip': ['mapped', 'mailu.rateLimits.authIp'],
      'limits.authRatelimit.ipv4Mask': ['mapped', 'mailu.rateLimits.authIpV4Mask'],
      'limits.authRatelimit.ipv6Mask': ['mapped', 'mailu.rateLimits.authIpV6Mask'],
      'limits.authRatelimit.user': ['mapped', 'mailu.rateLimits.authUser'],
      'limits.authRatelimit.exemption': ['mapped', 'mailu.rateLimits.exemption'],
      'limits.messageRatelimit.value': ['mapped', 'mailu.rateLimits.message'],
      'limits.messageRatelimit.exemption': ['mapped', 'mailu.rateLimits.messageExemption'],
    },
    check: (c) => {
      assert.equal(c.mailu.messageSizeLimit, '100Mi');
      assert.deepEqual(c.mailu.rateLimits, {
        authIp: '10/hour', authIpV4Mask: 28, authIpV6Mask: 64, authUser: '20/day', message: '100/day',
        exemption: ['10.0.0.0/8', '192.168.0.0/16'], messageExemption: ['bulk@example.org'],
      });
    },
  },
  {
    name: 'limits left to the chart\'s looser defaults take mailu-k8s\'s',
    values: { ...BASE },
    report: { 'limits.authRatelimit.ip': ['default'], 'limits.authRatelimit.user': ['default'] },
    check: (c, r) => {
      assert.equal(c.mailu.rateLimits.authIp, '5/hour');
      assert.match(r.report.entries.find((e) => e.chart.includes('limits.authRatelimit.ip'))!.note, /the chart's default was "60\/hour"/);
    },
  },
  {
    name: 'an external PostgreSQL with the chart\'s Secret, and Roundcube\'s database',
    values: { ...BASE, externalDatabase: { enabled: true, type: 'postgresql', host: 'pg.example.org:6432', database: 'mail', username: 'mu' } },
    report: { 'externalDatabase.host': ['mapped', 'database.host'], 'externalDatabase.username': ['mapped', 'database.secret'] },
    check: (c, r) => {
      assert.ok(c.database.type === 'postgresql');
      assert.deepEqual([c.database.host, c.database.port, c.database.name, c.database.secret.name], ['pg.example.org', 6432, 'mail', 'mailu-db']);
      assert.deepEqual(c.database.roundcube, { name: 'roundcube', secret: { name: 'mailu-roundcube-db', usernameKey: 'username', passwordKey: 'password' } });
      assert.ok(r.report.steps.some((s) => s.includes('create secret generic mailu-db --from-literal=username=mu ') && s.includes('get secret mailu-externaldb ')));
      assert.ok(r.report.steps.some((s) => s.includes('create secret generic mailu-roundcube-db --from-literal=username=roundcube ') && s.includes('get secret mailu-roundcube ')));
    },
  },
  {
    name: 'an external MySQL with its own Secret',
    values: { ...BASE, webmail: { enabled: false }, externalDatabase: { enabled: true, type: 'mysql', host: 'db.example.org', port: 3307, existingSecret: 'dbcreds', existingSecretUsernameKey: 'user', existingSecretPasswordKey: 'pass' } },
    report: { 'externalDatabase.existingSecret': ['mapped', 'database.secret'] },
    check: (c) => {
      assert.ok(c.database.type === 'mysql');
      assert.deepEqual([c.database.port, c.database.secret], [3307, { name: 'dbcreds', usernameKey: 'user', passwordKey: 'pass' }]);
      assert.equal(c.database.roundcube, undefined, 'no Roundcube, no Roundcube database');
    },
  },
  {
    name: 'the chart\'s MariaDB subchart',
    values: { ...BASE, mariadb: { enabled: true } },
    report: { 'mariadb.enabled': ['mapped', 'database.host'] },
    check: (c, r) => {
      assert.ok(c.database.type === 'mysql' && c.database.host === 'mailu-mariadb');
      assert.ok(r.report.steps.some((s) => s.includes('get secret mailu-mariadb -o jsonpath=\'{.data.mariadb-password}\'')));
    },
  },
  {
    name: 'an external Redis',
    values: { ...BASE, redis: { enabled: false }, externalRedis: { enabled: true, host: 'redis.example.org' } },
    report: { 'externalRedis.host': ['mapped', 'redis'] },
    check: (c) => assert.deepEqual(c.redis, { mode: 'external', host: 'redis.example.org', port: 6379 }),
  },
  {
    name: 'persistence: an existing claim (not Helm\'s: nothing to keep)',
    values: { ...BASE, persistence: { existingClaim: 'old-mail' } },
    report: { 'persistence.existingClaim': ['mapped', 'storage.helmChart.claimName'] },
    check: (c, r) => {
      assert.deepEqual(c.storage.helmChart, { claimName: 'old-mail' });
      assert.ok(!r.report.steps.some((s) => s.includes('annotate pvc')));
    },
  },
  {
    name: 'persistence: a renamed claim on a hostPath volume (claim and volume kept)',
    values: { ...BASE, persistence: { claimNameOverride: 'mail-data', hostPath: '/srv/mail', storageClass: 'fast' } },
    report: { 'persistence.claimNameOverride': ['mapped', 'storage.helmChart.claimName'], 'persistence.hostPath': ['mapped'], 'persistence.storageClass': ['mapped', 'storage.storageClass'] },
    check: (c, r) => {
      assert.deepEqual([c.storage.helmChart, c.storage.storageClass], [{ claimName: 'mail-data' }, 'fast']);
      assert.ok(r.report.steps.includes('kubectl -n mailu annotate pvc mail-data helm.sh/resource-policy=keep'));
      assert.ok(r.report.steps.includes('kubectl annotate pv mailu-storage helm.sh/resource-policy=keep'));
    },
  },
  {
    name: 'persistence per component, with overrides',
    values: { ...BASE, persistence: { single_pvc: false }, dovecot: { persistence: { existingClaim: 'maildirs' } }, webmail: { persistence: { claimNameOverride: 'rc' } }, fetchmail: { enabled: true } },
    report: { 'dovecot.persistence.existingClaim': ['mapped', 'storage.helmChart.claims.imap'], 'webmail.persistence.claimNameOverride': ['mapped', 'storage.helmChart.claims.webmail'] },
    check: (c) => assert.deepEqual(c.storage.helmChart, { claims: { admin: 'mailu-admin', imap: 'maildirs', smtp: 'mailu-postfix', antispam: 'mailu-rspamd', webmail: 'rc', fetchmail: 'mailu-fetchmail' } }),
  },
  {
    name: 'ingress with a class, a cert-manager issuer, annotations and the proxy\'s addresses',
    values: { ...BASE, ingress: { ingressClassName: 'nginx-public', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS', 'example.org/team': 'mail' }, realIpFrom: '10.42.0.0/16' } },
    report: { 'ingress.ingressClassName': ['mapped', 'web.className'], 'ingress.annotations.cert-manager.io/cluster-issuer': ['mapped', 'tls.source'], 'ingress.annotations.example.org/team': ['mapped', 'web.annotations'], 'ingress.annotations.nginx.ingress.kubernetes.io/backend-protocol': ['default'], 'ingress.realIpFrom': ['mapped', 'web.realIpFrom'] },
    check: (c) => {
      assert.ok(c.web.kind === 'ingress');
      assert.deepEqual([c.web.className, c.web.realIpFrom], ['nginx-public', ['10.42.0.0/16']]);
      assert.equal(c.web.annotations['example.org/team'], 'mail');
      assert.equal(c.web.annotations['nginx.ingress.kubernetes.io/backend-protocol'], undefined, 'ours routes plain HTTP to front');
      assert.deepEqual(c.tls, { source: 'certManager', issuer: { name: 'letsencrypt', kind: 'ClusterIssuer' } });
    },
  },
  {
    name: 'ingress with a namespaced issuer and its controller\'s namespace',
    values: { ...BASE, ingress: { ingressClassName: 'nginx', annotations: { 'cert-manager.io/issuer': 'mail-issuer' } }, networkPolicy: { ingressController: { namespace: 'ingress' } } },
    report: { 'networkPolicy.ingressController.namespace': ['mapped', 'web.namespace'] },
    check: (c) => {
      assert.deepEqual(c.tls, { source: 'certManager', issuer: { name: 'mail-issuer', kind: 'Issuer' } });
      assert.ok(c.web.kind === 'ingress' && c.web.namespace === 'ingress');
    },
  },
  {
    name: 'a certificate Secret of your own; no Ingress',
    values: { ...BASE, ingress: { enabled: false, existingSecret: 'mail-cert' } },
    report: { 'ingress.existingSecret': ['mapped', 'tls.secretName'], 'ingress.enabled': ['default'] },
    check: (c) => {
      assert.deepEqual(c.tls, { source: 'secret', secretName: 'mail-cert' });
      assert.equal(c.web.kind, 'none');
    },
  },
  {
    name: 'front on host ports, pinned, one per node',
    values: { ...BASE, front: { hostPort: { enabled: true }, nodeSelector: { 'mail.example.org/front': 'true' }, kind: 'DaemonSet' } },
    report: { 'front.nodeSelector': ['mapped', 'exposure.hostPort.nodeSelector'], 'front.kind': ['mapped', 'exposure.hostPort.daemonSet'] },
    check: (c) => {
      assert.ok(c.exposure.mode === 'hostPort');
      assert.deepEqual(c.exposure.hostPort, { nodeSelector: { 'mail.example.org/front': 'true' }, daemonSet: true });
    },
  },
  {
    name: 'front behind a LoadBalancer Service',
    values: { ...BASE, front: { replicaCount: 2, hostPort: { enabled: false }, externalService: { enabled: true, type: 'LoadBalancer', loadBalancerIP: '203.0.113.5', annotations: { 'metallb.universe.tf/address-pool': 'mail' }, ports: { imap: true, submission: true, manageSieve: false } } } },
    report: { 'front.externalService.type': ['mapped', 'exposure.mode'], 'front.externalService.loadBalancerIP': ['mapped', 'exposure.loadBalancer.loadBalancerIP'], 'front.externalService.annotations': ['mapped', 'exposure.loadBalancer.annotations'], 'front.replicaCount': ['mapped', 'exposure.loadBalancer.replicas'] },
    check: (c) => {
      assert.ok(c.exposure.mode === 'loadBalancer');
      assert.deepEqual(c.exposure.ports, [25, 143, 465, 587, 993, 995]);
      assert.deepEqual([c.exposure.loadBalancer.externalTrafficPolicy, c.exposure.loadBalancer.loadBalancerIP, c.exposure.loadBalancer.replicas], ['Local', '203.0.113.5', 2]);
      assert.deepEqual(c.exposure.loadBalancer.annotations, { 'metallb.universe.tf/address-pool': 'mail' });
    },
  },
  {
    name: 'PROXY protocol from the load balancer (not on 25)',
    values: { ...BASE, ingress: { realIpFrom: '10.0.0.0/24', realIpHeader: '', proxyProtocol: { smtps: true, imaps: true } }, front: { hostPort: { enabled: false }, externalService: { enabled: true, type: 'LoadBalancer', ports: { smtp: false, pop3s: false, manageSieve: false } } } },
    report: { 'ingress.proxyProtocol': ['mapped', 'exposure.loadBalancer.proxyProtocol.trustedCidrs'] },
    check: (c) => {
      assert.ok(c.exposure.mode === 'loadBalancer');
      assert.deepEqual([c.exposure.ports, c.exposure.loadBalancer.proxyProtocol], [[465, 993], { trustedCidrs: ['10.0.0.0/24'] }]);
    },
  },
  {
    name: 'components: SnappyMail, ClamAV and oletools off, Tika off, WebDAV and fetchmail on',
    values: { ...BASE, webmail: { type: 'snappymail' }, clamav: { enabled: false }, oletools: { enabled: false }, tika: { enabled: false }, webdav: { enabled: true }, fetchmail: { enabled: true, delay: 300 } },
    report: { 'webmail.type': ['mapped', 'components.webmail'], 'clamav.enabled': ['mapped', 'components.antivirus'], 'oletools.enabled': ['mapped', 'components.oletools'], 'tika.enabled': ['default'], 'webdav.enabled': ['mapped', 'components.webdav'], 'fetchmail.enabled': ['mapped', 'components.fetchmail'], 'fetchmail.delay': ['mapped', envKey('FETCHMAIL_DELAY')] },
    check: (c) => {
      assert.deepEqual(c.components, { webmail: 'snappymail', admin: true, antivirus: false, webdav: true, fetchmail: true, oletools: false, tika: false });
      assert.equal(tunableIn(c, 'FETCHMAIL_DELAY'), '300');
    },
  },
  {
    name: 'webmail off; Tika\'s languages',
    values: { ...BASE, webmail: { enabled: false }, tika: { languages: ['de', 'en'] } },
    report: { 'webmail.enabled': ['mapped', 'components.webmail'], 'tika.languages': ['mapped', 'mailu.fullTextSearch'] },
    check: (c) => assert.deepEqual([c.components.webmail, c.components.tika, c.mailu.fullTextSearch], ['none', true, 'de,en']),
  },
  {
    name: 'tolerations and node selectors: not supported (no workloads.* keys yet), postfix\'s nodes are the egress nodes',
    values: { ...BASE, tolerations: [{ key: 'mail', operator: 'Exists' }], admin: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'x', operator: 'Exists' }] }, postfix: { nodeSelector: { 'mail.example.org/egress': 'true' } } },
    report: { tolerations: ['unsupported'], 'admin.nodeSelector': ['unsupported'], 'admin.tolerations': ['unsupported'], 'postfix.nodeSelector': ['mapped', 'egress.nodeSelector'] },
    check: (c, r) => {
      assert.ok(c.egress.mode === 'nodeIps');
      assert.deepEqual(c.egress.nodeSelector, { 'mail.example.org/egress': 'true' });
      for (const p of ['tolerations', 'admin.nodeSelector']) assert.match(r.report.entries.find((e) => e.chart.includes(p))!.note, /no per-component scheduling keys yet \(workloads\.\*/);
    },
  },
  {
    name: 'DMARC report addresses (local parts in the chart)',
    values: { ...BASE, dmarc: { rua: 'dmarc', ruf: 'forensic@example.net' } },
    report: { 'dmarc.rua': ['mapped', 'dns.dmarc.rua'], 'dmarc.ruf': ['mapped', 'dns.dmarc.ruf'] },
    check: (c) => assert.deepEqual([c.dns.dmarc.rua, c.dns.dmarc.ruf], ['dmarc@example.org', 'forensic@example.net']),
  },
  {
    name: 'an outgoing relay with the chart\'s Secret',
    values: { ...BASE, externalRelay: { host: '[smtp.relay.example.net]:587', username: 'u', password: 'p' } },
    report: { 'externalRelay.host': ['mapped', 'egress.host'], 'externalRelay.username': ['secret'], 'externalRelay.password': ['secret'] },
    check: (c, r) => {
      assert.ok(c.egress.mode === 'relay');
      assert.deepEqual([c.egress.host, c.egress.port, c.egress.secret?.name], ['smtp.relay.example.net', 587, 'mailu-relay']);
      assert.ok(r.report.steps.some((s) => s.includes('--from-literal=username="$(kubectl -n mailu get secret mailu-external-relay -o jsonpath=\'{.data.relay-username}\'')));
    },
  },
  {
    name: 'an outgoing relay with its own Secret',
    values: { ...BASE, externalRelay: { host: 'smtp.relay.example.net', existingSecret: 'relay', usernameKey: 'user', passwordKey: 'pass' } },
    report: { 'externalRelay.existingSecret': ['mapped', 'egress.secret'] },
    check: (c) => assert.ok(c.egress.mode === 'relay' && c.egress.port === 587 && c.egress.secret?.name === 'relay' && c.egress.secret.usernameKey === 'user'),
  },
  {
    name: 'images: a mirror, the release\'s Mailu version; a per-component tag is not supported',
    values: { ...BASE, imageRegistry: 'registry.example.org', mailuVersion: '2024.06.52', webdav: { image: { tag: 'master' } } },
    report: { imageRegistry: ['mapped', 'mailu.registry'], mailuVersion: ['mapped', 'mailu.version'], 'webdav.image.tag': ['unsupported'] },
    check: (c) => assert.deepEqual([c.mailu.registry, c.mailu.version], ['registry.example.org/mailu', '2024.06.52']),
  },
  {
    name: 'another Mailu line is not carried over',
    values: { ...BASE, mailuVersion: 'master' },
    report: { mailuVersion: ['unsupported'] },
    check: (c) => assert.notEqual(c.mailu.version, 'master'),
  },
  {
    name: 'tunables become mailu.env; no welcome mail',
    values: { ...BASE, customization: { siteName: 'Example Mail' }, welcomeMessage: { enabled: false }, credentialRounds: 14, sessionTimeout: 600, dovecot: { compression: 'zstd', compressionLevel: 3 } },
    report: { 'customization.siteName': ['mapped', envKey('SITENAME')], credentialRounds: ['mapped', envKey('CREDENTIAL_ROUNDS')], sessionTimeout: ['mapped', envKey('SESSION_TIMEOUT')], 'dovecot.compression': ['mapped', envKey('COMPRESSION')], 'dovecot.compressionLevel': ['mapped', envKey('COMPRESSION_LEVEL')] },
    check: (c) => {
      const got = Object.fromEntries(['SITENAME', 'CREDENTIAL_ROUNDS', 'SESSION_TIMEOUT', 'COMPRESSION', 'COMPRESSION_LEVEL', 'WELCOME'].map((n) => [n, tunableIn(c, n)]));
      assert.deepEqual(got, { SITENAME: 'Example Mail', CREDENTIAL_ROUNDS: '14', SESSION_TIMEOUT: '600', COMPRESSION: 'zstd', COMPRESSION_LEVEL: '3', WELCOME: undefined });
    },
  },
  {
    name: 'override files, by Mailu\'s daemon names',
    values: { ...BASE, front: { overrides: { 'extra.conf': 'location = /hello { return 200; }\n' } }, postfix: { overrides: { 'postfix.cf': 'smtpd_banner = mail.example.org ESMTP\n' } }, dovecot: { overrides: { 'dovecot.conf': 'mail_max_userip_connections = 50\n' } }, rspamd: { overrides: { 'actions.conf': 'reject = 20;\n' } } },
    report: { 'front.overrides': ['mapped', 'overrides.nginx'], 'postfix.overrides': ['mapped', 'overrides.postfix'], 'dovecot.overrides': ['mapped', 'overrides.dovecot'], 'rspamd.overrides': ['mapped', 'overrides.rspamd'] },
    check: (c) => {
      const o = (c as unknown as { overrides: Record<string, Record<string, string>> }).overrides;
      assert.deepEqual(o.nginx, { 'extra.conf': 'location = /hello { return 200; }\n' });
      assert.deepEqual(o.dovecot, { 'dovecot.conf': 'mail_max_userip_connections = 50\n' });
      assert.deepEqual(Object.keys(o.postfix!), ['postfix.cf']);
      assert.deepEqual(Object.keys(o.rspamd!), ['actions.conf']);
    },
  },
  {
    name: 'outbound TLS level; rspamd\'s ServiceMonitor',
    values: { ...BASE, tls: { outboundLevel: 'encrypt' }, rspamd: { serviceMonitor: { enabled: true, interval: '1m' } }, networkPolicy: { monitoring: { namespace: 'prometheus' } } },
    report: { 'tls.outboundLevel': ['mapped', 'mailu.tls.outbound'], 'rspamd.serviceMonitor.enabled': ['mapped', 'metrics'], 'networkPolicy.monitoring.namespace': ['mapped', 'metrics'] },
    check: (c) => {
      const x = c as unknown as { mailu: { tls: { outbound?: string } }; metrics: Record<string, unknown> };
      assert.equal(x.mailu.tls.outbound, 'encrypt');
      assert.deepEqual([x.metrics.enabled, x.metrics.kind, x.metrics.namespace, x.metrics.interval], [true, 'serviceMonitor', 'prometheus', '1m']);
    },
  },
  {
    name: 'resources: cpu and memory carried, other resources reported',
    values: { ...BASE, dovecot: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi', 'ephemeral-storage': '1Gi' } } } },
    report: { 'dovecot.resources': ['mapped', 'resources.imap'], 'dovecot.resources.limits.ephemeral-storage': ['unsupported'] },
    check: (c) => assert.deepEqual(c.resources.imap, { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } }),
  },
];

function entryFor(r: ImportResult, chart: string) {
  return r.report.entries.find((e) => e.chart.includes(chart));
}

describe('import-helm maps each chart value to its key', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = importHelmValues(c.values, c.release ? { release: c.release } : {});
      for (const [chart, [status, to]] of Object.entries(c.report)) {
        const e = entryFor(r, chart);
        assert.ok(e, `${chart} is in the report`);
        assert.equal(e.status, status, `${chart}: ${e.status} (${e.note})`);
        if (to) assert.ok(e.to.includes(to), `${chart} → ${to} (got ${e.to.join(', ')})`);
      }
      const config = parseConfig(r.config);
      c.check?.(config, r);
      assert.ok(render(r.config).objects.length > 0, 'the config synthesizes');
    });
  }
});
