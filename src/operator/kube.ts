// Thin wrappers over @kubernetes/client-node for the few calls the operator makes: DNSEndpoint
// CRUD, Events and Leases. Everything else in the operator is independent of the client library.
import * as k8s from '@kubernetes/client-node';
import type { DnsEndpointObject } from './desired.js';
import { DNSENDPOINT_GROUP, DNSENDPOINT_KIND, DNSENDPOINT_PLURAL, DNSENDPOINT_VERSION } from './settings.js';

/** The HTTP status of a failed API call, or undefined for network-level failures. */
export function statusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

function parsedBody(err: unknown): { message?: string; reason?: string; details?: { retryAfterSeconds?: unknown } } | undefined {
  if (!err || typeof err !== 'object' || !('body' in err)) return undefined;
  const body = (err as { body: unknown }).body;
  try {
    return typeof body === 'string' ? (JSON.parse(body) as ReturnType<typeof parsedBody>) : (body as ReturnType<typeof parsedBody>);
  } catch {
    return undefined;
  }
}

/**
 * How long the API server asked us to wait before sending this request again, or undefined.
 * kube-apiserver sets Retry-After (and the Status's details.retryAfterSeconds) on 429 (priority
 * and fairness, max-in-flight) and on 5xx it expects to pass (ServiceUnavailable, ServerTimeout,
 * GatewayTimeout); like client-go's REST client, only those statuses count. The header is
 * delta-seconds or an HTTP date.
 */
export function retryAfterMs(err: unknown, nowMs: number = Date.now()): number | undefined {
  const status = statusOf(err);
  if (status === undefined || (status !== 429 && (status < 500 || status > 504))) return undefined;
  const headers = (err as { headers?: Record<string, unknown> }).headers;
  const raw = headers && typeof headers === 'object' ? (headers['retry-after'] ?? headers['Retry-After']) : undefined;
  const text = Array.isArray(raw) ? String(raw[0]) : raw === undefined ? undefined : String(raw).trim();
  if (text !== undefined && /^\d+$/.test(text)) return Number(text) * 1000;
  if (text !== undefined && text !== '') {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  const seconds = parsedBody(err)?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined;
}

/** One line describing an API error: status, reason and the server's message. */
export function describeError(err: unknown): string {
  const status = statusOf(err);
  if (status !== undefined && err && typeof err === 'object' && 'body' in err) {
    const parsed = parsedBody(err);
    const msg = parsed ? [parsed.reason, parsed.message].filter(Boolean).join(': ') : String((err as { body: unknown }).body).slice(0, 200);
    const wait = retryAfterMs(err);
    return `HTTP ${status}${msg ? ` ${msg}` : ''}${wait !== undefined ? ` (Retry-After ${wait / 1000} s)` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export class DnsEndpointClient {
  private readonly api: k8s.CustomObjectsApi;
  private readonly base: { group: string; version: string; plural: string; namespace: string };

  constructor(kc: k8s.KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.base = { group: DNSENDPOINT_GROUP, version: DNSENDPOINT_VERSION, plural: DNSENDPOINT_PLURAL, namespace };
  }

  /** The object, or undefined when it does not exist. */
  async get(name: string): Promise<DnsEndpointObject | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.base, name })) as DnsEndpointObject;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async list(page: { limit?: number; continueToken?: string } = {}): Promise<{ items: DnsEndpointObject[]; metadata?: { resourceVersion?: string; continue?: string } }> {
    return (await this.api.listNamespacedCustomObject({ ...this.base, limit: page.limit, _continue: page.continueToken })) as {
      items: DnsEndpointObject[];
      metadata?: { resourceVersion?: string; continue?: string };
    };
  }

  async create(body: DnsEndpointObject): Promise<DnsEndpointObject> {
    return (await this.api.createNamespacedCustomObject({ ...this.base, body })) as DnsEndpointObject;
  }

  /** Update with the resourceVersion in body.metadata: a stale one fails with 409. */
  async replace(name: string, body: DnsEndpointObject): Promise<DnsEndpointObject> {
    return (await this.api.replaceNamespacedCustomObject({ ...this.base, name, body })) as DnsEndpointObject;
  }

  /** Delete only the exact object we looked at (uid and resourceVersion preconditions). */
  async delete(name: string, pre: { uid?: string; resourceVersion?: string }): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.base, name, body: { preconditions: pre } });
  }
}

export interface InvolvedObject {
  name: string;
  namespace: string;
  /** Default: a DNSEndpoint. */
  apiVersion?: string;
  kind?: string;
  uid?: string;
  resourceVersion?: string;
}

/** Records core/v1 Events about our DNSEndpoints (what `kubectl describe dnsendpoint` shows). */
export class EventRecorder {
  private readonly core: k8s.CoreV1Api;
  private seq = 0;

  constructor(
    kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly component: string,
    private readonly identity: string,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async emit(involved: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    this.seq++;
    const body: k8s.CoreV1Event = {
      metadata: { name: `${involved.name}.${now.getTime().toString(16)}${this.seq.toString(16)}`, namespace: this.namespace },
      involvedObject: {
        apiVersion: involved.apiVersion ?? `${DNSENDPOINT_GROUP}/${DNSENDPOINT_VERSION}`,
        kind: involved.kind ?? DNSENDPOINT_KIND,
        name: involved.name,
        namespace: involved.namespace,
        ...(involved.uid ? { uid: involved.uid } : {}),
        ...(involved.resourceVersion ? { resourceVersion: involved.resourceVersion } : {}),
      },
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.identity,
    };
    await this.core.createNamespacedEvent({ namespace: this.namespace, body });
  }
}
