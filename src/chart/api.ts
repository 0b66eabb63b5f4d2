// Thin typing over cdk8s ApiObject: manifests are written as kubernetes-types objects, so tsc
// rejects unknown or misspelt fields in core kinds at compile time.
import { ApiObject, type ApiObjectProps, App, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { NOT_PLAIN, onlyBuiltInResolvers, plainCopy } from './plain-json.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/**
 * An ApiObject whose toJson() skips cdk8s's generic resolve pass when the object holds plain JSON
 * (a fifth of a `synth` run went there). The result is the same manifest, key order included; any
 * data, patch or custom resolver the shortcut does not cover goes through cdk8s unchanged.
 */
export class PlainApiObject extends ApiObject {
  private readonly manifest: ApiObjectProps;
  private patched = false;

  constructor(scope: Construct, id: string, props: ApiObjectProps) {
    super(scope, id, props);
    this.manifest = props;
  }

  override addJsonPatch(...ops: JsonPatch[]): void {
    this.patched = true;
    super.addJsonPatch(...ops);
  }

  override toJson(): any {
    if (this.patched || !onlyBuiltInResolvers(App.of(this).resolvers)) return super.toJson();
    const sortKeys = !process.env.CDK8S_DISABLE_SORT;
    const json = plainCopy({ ...this.manifest, metadata: this.metadata.toJson() }, sortKeys);
    if (json === NOT_PLAIN) return super.toJson();
    // Like cdk8s: apiVersion, kind and metadata first, then the rest.
    const { apiVersion, kind, metadata, ...rest } = json as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries({ apiVersion, kind, metadata, ...rest }).filter(([, v]) => v !== undefined),
    );
  }
}

/** Adds one Kubernetes object to the tree; `id` defaults to kind/name so ids stay stable. */
export function emit<T extends Manifest>(scope: Construct, manifest: T, id?: string): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = manifest;
  return new PlainApiObject(scope, id ?? `${kind}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
}

/**
 * On objects that hold data (claims, the database): GitOps tools neither prune them when they
 * leave the output nor delete them with the application. `kubectl delete` ignores annotations;
 * the README says what it removes.
 */
export const KEEP_DATA_ANNOTATIONS: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
