// Real daemons for end-to-end tests: started in their own process group, always stopped by the
// test that started them (t.after), their output kept for failure messages, readiness decided by
// polling a TCP connect (never by sleeping).
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** The absolute path of an executable, or undefined when it is not installed. */
export function findExecutable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `n` distinct TCP ports that were free on 127.0.0.1 a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** Set once the process has exited. */
  exitCode(): number | string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts a foreground daemon in its own process group (so its workers are stopped with it) and
 * registers its stop with the test. The group is signalled by its id, never by name. Output goes
 * to a file, not a pipe: nginx and dovecot open /dev/stderr by name, which fails on a socket.
 */
export function startDaemon(t: TestContext, name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Daemon {
  const logDir = tempDir(t, `mailu-e2e-${name}`);
  const logFile = join(logDir, 'output.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  let spawnError = '';
  let exit: number | string | undefined;
  const output = () => {
    try {
      return spawnError + readFileSync(logFile, 'utf8');
    } catch {
      return spawnError;
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exit = code ?? signal ?? 'unknown';
    resolve();
  }));
  child.once('error', (err) => {
    spawnError += `spawn failed: ${err.message}\n`;
    exit ??= 'spawn-error';
  });
  const signalGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is already gone
    }
  };
  const stop = async () => {
    if (exit !== undefined || child.pid === undefined) return signalGroup('SIGKILL');
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    // Workers of a master that exited early (or ignored TERM) must not outlive the test.
    signalGroup('SIGKILL');
  };
  // Safety net: a test process that dies on an uncaught error runs no after-hooks, but it does
  // emit 'exit'; the detached group would otherwise outlive it.
  const onExit = () => signalGroup('SIGKILL');
  process.once('exit', onExit);
  t.after(async () => {
    await stop();
    process.removeListener('exit', onExit);
  });
  return { name, child, output, exitCode: () => exit, stop };
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Resolves once every port accepts a TCP connection; rejects with the daemon's output when it
 * exits first or when it is not ready within `timeoutMs` (a generous bound, not an assertion).
 */
export async function waitForPorts(daemon: Daemon, host: string, ports: number[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ports);
  while (pending.size > 0) {
    if (daemon.exitCode() !== undefined) {
      throw new Error(`${daemon.name} exited (${String(daemon.exitCode())}) before listening:\n${daemon.output()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${daemon.name} not listening on ${[...pending].join(', ')} after ${timeoutMs} ms:\n${daemon.output()}`);
    }
    for (const p of [...pending]) if (await tryConnect(host, p)) pending.delete(p);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 25));
  }
}
