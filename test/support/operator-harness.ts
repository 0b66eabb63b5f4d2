// Runs DNS operators against the Kubernetes API test server, as in a cluster: kubeconfig, HTTP,
// watches. Records every version of the DNSEndpoints and the operators' JSON logs for assertions.
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { MailuConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/operator/logger.js';
import { Operator } from '../../src/operator/operator.js';
import { defaultTimings, scaleTimings, type OperatorTimings } from '../../src/operator/timings.js';
import { KubeApiServer, type KubeObject } from './kube-api-server.js';
import { node } from './kube-fixtures.js';
import { operatorConfig } from './operator-config.js';

/** Test clock speed: 1 s of operator time takes 50 ms. */
export const SCALE = 0.05;

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

export async function waitFor(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  async startOperator(opts: { config?: MailuConfig; identity?: string; timings?: Partial<OperatorTimings>; wait?: boolean } = {}): Promise<Operator> {
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
      timings: { ...scaleTimings(defaultTimings(config), SCALE), ...(opts.timings ?? {}) },
    });
    this.operators.push(op);
    await op.start();
    if (opts.wait !== false) {
      await waitFor(`${identity} synced`, () => op.ready);
    }
    return op;
  }

  async waitLeader(op: Operator, timeoutMs = 3000): Promise<void> {
    await waitFor(`${op.identity} leads`, () => op.isLeader, timeoutMs);
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

/** Lets watch events travel over HTTP and the operator finish its passes. */
export async function settle(...ops: Operator[]): Promise<void> {
  await sleep(40);
  await Promise.all(ops.map((o) => o.idle()));
}
