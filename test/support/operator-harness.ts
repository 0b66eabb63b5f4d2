// Runs DNS operators against the Kubernetes API test server, as in a cluster: kubeconfig, HTTP,
// watches. Records every version of the DNSEndpoints and the operators' JSON logs for assertions.
//
// Tests wait on conditions, never on time: `waitFor` polls a condition (its deadline only turns a
// hang into a failure), and `Cluster.settle` returns once the operators' caches hold exactly what
// the API server holds and no reconcile pass is running or queued, however slow the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { MailuConfig } from '../../src/config/schema.js';
import type { Clock } from '../../src/operator/clock.js';
import { createLogger } from '../../src/operator/logger.js';
import { Operator, type OperatorOptions } from '../../src/operator/operator.js';
import { defaultTimings, scaleTimings, type OperatorTimings } from '../../src/operator/timings.js';
import { KubeApiServer, type KubeObject } from './kube-api-server.js';
import { node } from './kube-fixtures.js';
import { operatorConfig } from './operator-config.js';

/** Test clock speed: 1 s of operator time takes 50 ms. */
export const SCALE = 0.05;

/** Failure guard of every wait: far above what any wait needs, even on a loaded machine. */
export const GUARD_MS = 30_000;

/**
 * Operator timings for tests: the scaled clock, except the lease's renew deadline and duration and
 * the graceful-stop bound, which keep their real length. A stalled event loop (a busy machine) must
 * not cost the leader its lease or cut a stop short of releasing it; scenarios about lease expiry
 * pass scaled lease timings themselves (see `scaledLease`).
 */
export function testTimings(config: MailuConfig): OperatorTimings {
  const real = defaultTimings(config);
  return { ...scaleTimings(real, SCALE), leaseDurationMs: real.leaseDurationMs, renewDeadlineMs: real.renewDeadlineMs, shutdownMs: real.shutdownMs };
}

/** The lease timings on the scaled clock, for scenarios that wait for a lease to expire. */
export function scaledLease(config: MailuConfig = operatorConfig()): Partial<OperatorTimings> {
  const t = scaleTimings(defaultTimings(config), SCALE);
  return { leaseDurationMs: t.leaseDurationMs, renewDeadlineMs: t.renewDeadlineMs };
}

export interface LogLine {
  level: string;
  msg: string;
  identity?: string;
  [k: string]: unknown;
}

export interface EndpointVersion {
  time: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  name: string;
  targets: string[];
  object: KubeObject;
}

export function targetsOf(o: KubeObject | undefined): string[] {
  const eps = ((o?.spec as { endpoints?: Array<{ targets?: string[] }> } | undefined)?.endpoints ?? []);
  return eps.flatMap((e) => e.targets ?? []);
}

/** Polls `pred` until it holds; the deadline is a failure guard, not part of any scenario. */
export async function waitFor(what: string, pred: () => boolean, guardMs = GUARD_MS): Promise<void> {
  const deadline = Date.now() + guardMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${guardMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CachedObject {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
}

/** One informer as the settle barrier sees it: where it lists and watches, and what it holds. */
interface InformerView {
  spec: { path: string; labelSelector?: string };
  list(): readonly CachedObject[];
}

/** The operator's informers. A test-only look at a private field: nothing else exposes the caches. */
function informersOf(op: Operator): InformerView[] {
  return Object.values(op['informers']);
}

function cacheKey(o: CachedObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

export class Cluster {
  readonly api: KubeApiServer;
  readonly history: EndpointVersion[] = [];
  readonly logs: LogLine[] = [];
  readonly operators: Operator[] = [];
  private unsubscribe?: () => void;

  constructor(readonly namespace = 'mailu') {
    this.api = new KubeApiServer();
  }

  async start(): Promise<this> {
    await this.api.start();
    this.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } });
    this.unsubscribe = this.api.subscribe((ev) => {
      if (ev.resource !== 'dnsendpoints') return;
      this.history.push({ time: ev.time, type: ev.type, name: ev.object.metadata.name!, targets: targetsOf(ev.object), object: ev.object });
    });
    return this;
  }

  addNodes(...specs: Array<[string, Parameters<typeof node>[1]]>): void {
    for (const [name, spec] of specs) this.api.create('nodes', node(name, spec));
  }

  endpoint(name: string): KubeObject | undefined {
    return this.api.get('dnsendpoints', this.namespace, name);
  }

  targets(name = 'mailu-front-address'): string[] {
    return targetsOf(this.endpoint(name));
  }

  /** Every version of one DNSEndpoint written so far. */
  versions(name = 'mailu-front-address'): EndpointVersion[] {
    return this.history.filter((h) => h.name === name);
  }

  events(reason?: string): KubeObject[] {
    return this.api.list('events', this.namespace).filter((e) => !reason || e.reason === reason);
  }

  kubeConfig(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(this.api.kubeconfigYaml());
    return kc;
  }

  async startOperator(
    opts: { config?: MailuConfig; identity?: string; timings?: Partial<OperatorTimings>; wait?: boolean; clock?: Clock; mailuApi?: OperatorOptions['mailuApi'] } = {},
  ): Promise<Operator> {
    const config = opts.config ?? operatorConfig();
    const identity = opts.identity ?? `op-${this.operators.length}`;
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const line of chunk.toString().split('\n')) if (line) this.logs.push(JSON.parse(line) as LogLine);
        cb();
      },
    });
    const op = new Operator({
      config,
      kubeConfig: this.kubeConfig(),
      identity,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      logger: createLogger({ level: 'debug', destination: sink }),
      timings: { ...testTimings(config), ...(opts.timings ?? {}) },
      clock: opts.clock,
      mailuApi: opts.mailuApi,
    });
    this.operators.push(op);
    await op.start();
    if (opts.wait !== false) {
      await waitFor(`${identity} synced`, () => op.ready);
    }
    return op;
  }

  async waitLeader(op: Operator, guardMs = GUARD_MS): Promise<void> {
    await waitFor(`${op.identity} leads`, () => op.isLeader, guardMs);
  }

  /** True when every cache of `op` holds the objects the API server holds now, at the same versions. */
  caughtUp(op: Operator): boolean {
    if (!op.ready) return false;
    return informersOf(op).every((inf) => {
      const cached = new Map(inf.list().map((o) => [cacheKey(o), o.metadata?.resourceVersion]));
      const live = this.api.collection(inf.spec.path, inf.spec.labelSelector);
      return live.length === cached.size && live.every((o) => cached.get(cacheKey(o)) === o.metadata.resourceVersion);
    });
  }

  /**
   * Waits until the operators have seen every change made so far and acted on it: caches caught up
   * with the API server, no pass running or queued, Events sent. Their own writes come back through
   * the watches, so it repeats until a round starts no pass.
   */
  async settle(...ops: Operator[]): Promise<void> {
    const what = `caches of ${ops.map((o) => o.identity).join(', ')} match the API server`;
    const deadline = Date.now() + GUARD_MS;
    for (;;) {
      await waitFor(what, () => ops.every((o) => this.caughtUp(o)), Math.max(0, deadline - Date.now()));
      const passes = ops.map((o) => o.reconciler.passes);
      await Promise.all(ops.map((o) => o.idle()));
      if (ops.every((o, i) => o.reconciler.passes === passes[i] && this.caughtUp(o))) return;
      if (Date.now() > deadline) throw new Error(`gave up after ${GUARD_MS} ms: the operators kept starting passes (${what})`);
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(this.operators.map((o) => o.stop()));
    await this.api.stop();
  }
}

/** Current value of one metric series of an operator (0 when absent). */
export async function metric(op: Operator, name: string, labels: Record<string, string> = {}): Promise<number> {
  const all = await op.metrics.registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === name);
  const v = m?.values.find((val) => Object.entries(labels).every(([k, want]) => String((val.labels as Record<string, unknown>)[k]) === want));
  return v ? Number(v.value) : 0;
}

/** An operator replica in a child process (test/support/operator-replica.ts): kill -9 is real. */
export class Replica {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(
    readonly identity: string,
    readonly child: ChildProcess,
  ) {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code)));
  }

  /** Starts a replica with the kubeconfig and config file written by `replicaFiles`. */
  static spawn(files: { kubeconfig: string; config: string }, identity: string, timings?: Partial<OperatorTimings>): Replica {
    const args = ['--import', 'tsx', 'test/support/operator-replica.ts', files.kubeconfig, files.config, identity, ...(timings ? [JSON.stringify(timings)] : [])];
    return new Replica(identity, spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: '' } }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logged(msg: string, pred: (l: LogLine) => boolean = () => true): boolean {
    return this.logs.some((l) => l.msg === msg && pred(l));
  }

  /** SIGKILL and wait for the exit. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** What it printed to stderr (for failure messages). */
  get errors(): string {
    return this.stderr;
  }
}

/** Writes a kubeconfig for `c` and a config file (YAML) for replicas to a fresh temp directory. */
export function replicaFiles(c: Cluster, config: Record<string, unknown>): { kubeconfig: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'operator-replica-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify(config));
  return { kubeconfig: c.api.writeKubeconfig(), config: path };
}
