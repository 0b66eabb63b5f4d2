// Which components run, what they are called, where they are reached, which image they run and
// which ports their images listen on. Services, *_ADDRESS variables and NetworkPolicies all read
// this table, so a port or an address is written down once.
import type { ComponentName, MailuConfig } from '../config/schema.js';
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

export function decideComponents(config: MailuConfig, exp: Exposure): Map<ComponentName, ComponentModel> {
  const { registry, version } = config.mailu;
  const mailu = (image: string) => `${registry.replace(/\/$/, '')}/${image}:${version}`;
  const p = (name: string, port: number, protocol?: 'UDP'): Port => (protocol ? { name, port, protocol } : { name, port });

  // front: public mail ports from the exposure decision, HTTP as Mailu opens it, internal ports.
  const frontHttp = [p('http', HTTP_PORTS.http), ...(exp.tlsFlavor === 'cert' ? [p('https', HTTP_PORTS.https)] : [])];
  const frontMail = exp.mailPorts.map((m) => p(m.name, m.port));
  // Internal clients (imap's sieve redirects, fetchmail) reach front:25 unless 25 expects PROXY.
  const port25 = exp.proxyPorts.includes(25) ? [] : [p('smtp', 25)];
  // Mailu's nginx always listens on 25: declare it even when it is not published.
  const frontMailListeners = frontMail.some((x) => x.port === 25) ? frontMail : [p('smtp', 25), ...frontMail];
  const internal = frontInternalPorts(exp);

  const table: Record<ComponentName, { image: string; ports: Port[]; servicePorts?: Port[] }> = {
    front: { image: mailu('nginx'), ports: [...frontMailListeners, ...frontHttp, ...internal], servicePorts: [...port25, ...frontHttp.filter((x) => x.port === 80), ...internal] },
    admin: { image: mailu('admin'), ports: [p('http', 8080)] },
    smtp: { image: mailu('postfix'), ports: [p('smtp', 25), p('submission', 10025)] },
    imap: { image: mailu('dovecot'), ports: [p('imap', 143), p('pop3', 110), p('lmtp', 2525), p('sieve', 4190)] },
    antispam: { image: mailu('rspamd'), ports: [p('milter', 11332), p('http', 11334)] },
    antivirus: { image: 'docker.io/clamav/clamav-debian:1.4', ports: [p('clamd', 3310)] },
    webmail: { image: mailu('webmail'), ports: [p('http', 80)] },
    webdav: { image: mailu('radicale'), ports: [p('http', 5232)] },
    fetchmail: { image: mailu('fetchmail'), ports: [], servicePorts: [] },
    oletools: { image: mailu('oletools'), ports: [p('olefy', 11343)] },
    tika: { image: 'docker.io/apache/tika:3.2.3.0-full', ports: [p('http', 9998)] },
    redis: { image: config.redis.mode === 'bundled' ? config.redis.image : '', ports: [p('redis', 6379)] },
    resolver: { image: mailu('unbound'), ports: [p('dns', 53, 'UDP'), p('dns-tcp', 53)] },
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
      image: t.image,
      ports: t.ports,
      servicePorts,
      ...(servicePorts.length > 0 ? { address: serviceFqdn(config, objectName) } : {}),
      ...(addressEnv && servicePorts.length > 0 ? { addressEnv } : {}),
    });
  }
  return out;
}
