// Which components run, what they are called, where they are reached, which image they run and
// which ports their images listen on. Services, *_ADDRESS variables and NetworkPolicies all read
// this table, so a port or an address is written down once.
import type { ImageParts } from '../config/kube-shapes.js';
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { DNS_OPERATOR_WORKLOAD } from '../config/workloads.js';
import type { Exposure } from './exposure.js';
import { HTTP_PORTS, SIEVE_PORT } from './ports.js';

export interface Port {
  name: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

export interface ComponentModel {
  name: ComponentName;
  /** Object name: <instance>-<component>. */
  objectName: string;
  image: string;
  /** Ports the container listens on. */
  ports: Port[];
  /** Ports the ClusterIP Service offers (internal consumers); empty → no Service. */
  servicePorts: Port[];
  /** FQDN of the Service (for *_ADDRESS), when there is one. */
  address?: string;
  /** Env var Mailu reads the address from. */
  addressEnv?: string;
}

/** Internal front listeners (never PROXY): LMTP proxy for smtp, webmail's IMAP/submission/sieve. */
const FRONT_INTERNAL_PORTS: Port[] = [
  { name: 'lmtp', port: 2525 },
  { name: 'internal-smtp', port: 10025 },
  { name: 'internal-imap', port: 10143 },
  { name: 'internal-sieve', port: 14190 },
];

/** The internal listeners front really opens: Mailu opens 14190 only together with 4190. */
export function frontInternalPorts(exp: Exposure): Port[] {
  return FRONT_INTERNAL_PORTS.filter((p) => p.port !== 14190 || exp.listenPorts.includes(SIEVE_PORT));
}

const ADDRESS_ENV: Partial<Record<ComponentName, string>> = {
  front: 'FRONT_ADDRESS',
  admin: 'ADMIN_ADDRESS',
  smtp: 'SMTP_ADDRESS',
  imap: 'IMAP_ADDRESS',
  antispam: 'ANTISPAM_ADDRESS',
  antivirus: 'ANTIVIRUS_ADDRESS',
  webmail: 'WEBMAIL_ADDRESS',
  webdav: 'WEBDAV_ADDRESS',
  oletools: 'OLETOOLS_ADDRESS',
  tika: 'FTS_ATTACHMENTS_ADDRESS',
  redis: 'REDIS_ADDRESS',
};

export function enabledComponents(config: MailuConfig): ComponentName[] {
  const c = config.components;
  const list: ComponentName[] = ['front', 'admin', 'smtp', 'imap', 'antispam', 'resolver'];
  if (c.antivirus) list.push('antivirus');
  if (c.webmail !== 'none') list.push('webmail');
  if (c.webdav) list.push('webdav');
  if (c.fetchmail) list.push('fetchmail');
  if (c.oletools) list.push('oletools');
  if (c.tika) list.push('tika');
  if (config.redis.mode === 'bundled') list.push('redis');
  return list;
}

export function serviceFqdn(config: MailuConfig, objectName: string): string {
  return `${objectName}.${config.namespace}.svc.${config.cluster.clusterDomain}`;
}

// ---------------------------------------------------------------- images

/** An image reference split as workloads.<name>.image addresses it. */
type ImageRef = ImageParts & { repository: string };

/** "docker.io/clamav/clamav-debian:1.4" → registry docker.io, repository clamav/clamav-debian, tag 1.4. */
export function parseImage(ref: string): ImageRef {
  const [name = '', digest] = ref.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const path = colon > slash ? name.slice(0, colon) : name;
  const first = path.split('/')[0]!;
  // The first segment is a registry when it looks like a host (docker's own rule).
  const hasRegistry = path.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    ...(hasRegistry ? { registry: first } : {}),
    repository: hasRegistry ? path.slice(first.length + 1) : path,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** registry/repository:tag, or registry/repository@digest when pinned by content (a digest names one build: the tag no longer applies). */
export function imageReference(p: ImageRef): string {
  const name = p.registry ? `${p.registry.replace(/\/$/, '')}/${p.repository}` : p.repository;
  if (p.digest) return `${name}@${p.digest}`;
  return p.tag ? `${name}:${p.tag}` : name;
}

/** Mailu's own images: mailu.registry/<repository>:mailu.version. */
const MAILU_REPOSITORY: Partial<Record<ComponentName, string>> = {
  front: 'nginx', admin: 'admin', smtp: 'postfix', imap: 'dovecot', antispam: 'rspamd', webmail: 'webmail',
  webdav: 'radicale', fetchmail: 'fetchmail', oletools: 'oletools', resolver: 'unbound',
};

function defaultImage(config: MailuConfig, name: ComponentName | typeof DNS_OPERATOR_WORKLOAD): ImageRef {
  const repository = MAILU_REPOSITORY[name as ComponentName];
  if (repository) return { registry: config.mailu.registry, repository, tag: config.mailu.version };
  if (name === 'antivirus') return parseImage('docker.io/clamav/clamav-debian:1.4');
  if (name === 'tika') return parseImage('docker.io/apache/tika:3.2.3.0-full');
  if (name === 'redis') return parseImage(config.redis.mode === 'bundled' ? config.redis.image : '');
  return parseImage(config.dns.operator.image);
}

/**
 * The image a workload runs: its default (mailu.registry and mailu.version for Mailu's images),
 * with any part workloads.<name>.image gives. A digest pins the image by content.
 */
export function workloadImage(config: MailuConfig, name: ComponentName | typeof DNS_OPERATOR_WORKLOAD): string {
  return imageReference({ ...defaultImage(config, name), ...config.workloads[name]?.image });
}

export function decideComponents(config: MailuConfig, exp: Exposure): Map<ComponentName, ComponentModel> {
  const p = (name: string, port: number, protocol?: 'UDP'): Port => (protocol ? { name, port, protocol } : { name, port });

  // front: public mail ports from the exposure decision, HTTP as Mailu opens it, internal ports.
  const frontHttp = [p('http', HTTP_PORTS.http), ...(exp.tlsFlavor === 'cert' ? [p('https', HTTP_PORTS.https)] : [])];
  const frontMail = exp.mailPorts.map((m) => p(m.name, m.port));
  // Internal clients (imap's sieve redirects, fetchmail) reach front:25 unless 25 expects PROXY.
  const port25 = exp.proxyPorts.includes(25) ? [] : [p('smtp', 25)];
  // Mailu's nginx always listens on 25: declare it even when it is not published.
  const frontMailListeners = frontMail.some((x) => x.port === 25) ? frontMail : [p('smtp', 25), ...frontMail];
  const internal = frontInternalPorts(exp);

  const table: Record<ComponentName, { ports: Port[]; servicePorts?: Port[] }> = {
    front: { ports: [...frontMailListeners, ...frontHttp, ...internal], servicePorts: [...port25, ...frontHttp.filter((x) => x.port === 80), ...internal] },
    admin: { ports: [p('http', 8080)] },
    smtp: { ports: [p('smtp', 25), p('submission', 10025)] },
    imap: { ports: [p('imap', 143), p('pop3', 110), p('lmtp', 2525), p('sieve', 4190)] },
    antispam: { ports: [p('milter', 11332), p('http', 11334)] },
    antivirus: { ports: [p('clamd', 3310)] },
    webmail: { ports: [p('http', 80)] },
    webdav: { ports: [p('http', 5232)] },
    fetchmail: { ports: [], servicePorts: [] },
    oletools: { ports: [p('olefy', 11343)] },
    tika: { ports: [p('http', 9998)] },
    redis: { ports: [p('redis', 6379)] },
    resolver: { ports: [p('dns', 53, 'UDP'), p('dns-tcp', 53)] },
  };

  const out = new Map<ComponentName, ComponentModel>();
  for (const name of enabledComponents(config)) {
    const t = table[name];
    const objectName = `${config.instance}-${name}`;
    const servicePorts = t.servicePorts ?? t.ports;
    const addressEnv = ADDRESS_ENV[name];
    out.set(name, {
      name,
      objectName,
      image: workloadImage(config, name),
      ports: t.ports,
      servicePorts,
      ...(servicePorts.length > 0 ? { address: serviceFqdn(config, objectName) } : {}),
      ...(addressEnv && servicePorts.length > 0 ? { addressEnv } : {}),
    });
  }
  return out;
}
