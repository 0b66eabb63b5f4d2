// haproxy playing the proxies in front of Mailu: a PROXY-sending load balancer or Traefik's TCP
// routes (`send-proxy-v2`, what Traefik's proxyProtocol version 2 sends), and an HTTP reverse
// proxy that appends X-Forwarded-For (Traefik's or an ingress controller's web routes). It
// connects to front FROM a chosen loopback address, the one Mailu is told to trust.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Daemon, findExecutable, freePorts, startDaemon, waitForPorts } from './processes.js';

export const HAPROXY = '/usr/sbin/haproxy';

export function haproxyMissing(): string | undefined {
  return findExecutable(HAPROXY) ? undefined : `haproxy not installed (${HAPROXY})`;
}

export interface Route {
  /** Port on `host` (127.0.0.1 by default) that the target listens on. */
  target: number;
  /** tcp: pass bytes through after a PROXY v2 header; http: reverse proxy adding X-Forwarded-For. */
  kind: 'tcp-proxy-v2' | 'http-forwarded-for';
}

export interface RunningHaproxy {
  /** target port → the port clients connect to. */
  entry: Map<number, number>;
  daemon: Daemon;
  config: string;
}

function section(name: string, listen: number, r: Route, source: string, host: string): string {
  const http = r.kind === 'http-forwarded-for';
  const at = (port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  return [
    `frontend fe_${name}`,
    `  mode ${http ? 'http' : 'tcp'}`,
    `  bind ${at(listen)}`,
    ...(http ? ['  option httplog', '  option forwardfor'] : ['  option tcplog']),
    `  default_backend be_${name}`,
    `backend be_${name}`,
    `  mode ${http ? 'http' : 'tcp'}`,
    `  server front ${at(r.target)}${http ? '' : ' send-proxy-v2'} source ${source.includes(':') ? `[${source}]` : source}`,
    '',
  ].join('\n');
}

/**
 * Starts haproxy (`-db`: foreground) with one frontend per route, listening and connecting on
 * `host`, connecting from `sourceAddress`; stopped when the test ends.
 */
export async function startHaproxy(t: TestContext, dir: string, routes: Route[], sourceAddress: string, host = '127.0.0.1'): Promise<RunningHaproxy> {
  const ports = await freePorts(routes.length);
  const entry = new Map(routes.map((r, i) => [r.target, ports[i]!]));
  const config = [
    'global',
    '  maxconn 256',
    '  log stderr format short local0 info',
    'defaults',
    '  log global',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    '',
    ...routes.map((r, i) => section(String(i), ports[i]!, r, sourceAddress, host)),
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const daemon = startDaemon(t, 'haproxy', HAPROXY, ['-db', '-f', file]);
  await waitForPorts(daemon, host, ports);
  return { entry, daemon, config };
}
