// Thin typing over cdk8s ApiObject: manifests are written as kubernetes-types objects, so tsc
// rejects unknown or misspelt fields in core kinds at compile time.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Adds one Kubernetes object to the tree; `id` defaults to kind/name so ids stay stable. */
export function emit<T extends Manifest>(scope: Construct, manifest: T, id?: string): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = manifest;
  return new ApiObject(scope, id ?? `${kind}-${metadata.name}`, { apiVersion, kind, metadata, ...rest });
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
