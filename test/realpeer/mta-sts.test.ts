// Each mail domain's MTA-STS policy as real nginx serves it: the snippet front gets in /overrides,
// placed in a server block as Mailu's nginx.conf includes it, answers every domain's mta-sts. host
// with that domain's policy (RFC 8461 §3.2: text/plain, CRLF lines) and any other host with 404.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mtaStsOverride } from '../../src/chart/components/front.js';
import { mtaStsPolicies } from '../../src/model/exposure.js';
import { parseConfig } from '../../src/validation/index.js';
import { BASE } from '../support/chart-helpers.js';
import { have } from '../support/mailu/checkers.js';

const config = parseConfig({
  ...BASE,
  dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: false } },
  domains: [{ name: 'example.net', mtaSts: { enabled: true, mode: 'enforce' } }, { name: 'example.org', mtaSts: { enabled: true } }, 'example.info'],
});
const skip = have('nginx') ? false : 'nginx not installed: the MTA-STS policies not served';

describe('MTA-STS policies served by nginx, one per mail domain', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-mta-sts-'));
  let nginx: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    port = await freePort();
    writeFileSync(join(dir, 'mta-sts.conf'), mtaStsOverride(mtaStsPolicies(config), [config.hostnames[0]!]));
    writeFileSync(join(dir, 'nginx.conf'), [
      'daemon off;', 'master_process off;', 'pid nginx.pid;', `error_log ${join(dir, 'error.log')};`, 'events {}',
      'http {', `  access_log off;`, `  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};`,
      `  server { listen 127.0.0.1:${port}; include ${join(dir, 'mta-sts.conf')}; location / { return 418; } }`, '}', '',
    ].join('\n'));
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await untilListening(port);
  });
  after(() => {
    nginx?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each domain gets its own mode; the top level being off does not matter', async () => {
    const net = await get(port, 'mta-sts.example.net');
    assert.equal(net.status, 200);
    assert.match(net.type, /^text\/plain/);
    assert.equal(net.body, 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n');
    const org = await get(port, 'MTA-STS.example.org');
    assert.equal(org.status, 200, 'host names are case-insensitive');
    assert.equal(org.body, 'version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 86400\r\n');
  });

  it('a domain without MTA-STS, and any other host, has no policy', async () => {
    for (const host of ['mta-sts.example.info', 'mta-sts.example.com', 'mail.example.com', 'mta-sts.example.net.evil.test']) {
      assert.equal((await get(port, host)).status, 404, host);
    }
  });
});

function get(port: number, host: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/.well-known/mta-sts.txt', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => (res.resume(), resolve(true)));
      req.on('error', () => resolve(false));
      req.end();
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port}`);
}
