// What a dual-stack cluster (cluster.podCidr6 and serviceCidr6 set) changes in the decisions:
// the IP families of the Services that face the internet, and the IPv6 twin of every range the
// IPv4 decisions use. Single-stack configs get exactly what they got before.
import type { MailuConfig } from '../config/schema.js';

export type IpFamily = 'IPv4' | 'IPv6';
export type IpFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** spec.ipFamilyPolicy / spec.ipFamilies of a public Service; fields left out keep the cluster's default. */
export interface ServiceFamilies {
  ipFamilyPolicy?: IpFamilyPolicy;
  ipFamilies?: IpFamily[];
}

/** Both families, IPv4 first. */
export const DUAL_STACK_FAMILIES: readonly IpFamily[] = ['IPv4', 'IPv6'];

export function isDualStack(config: MailuConfig): boolean {
  return config.cluster.podCidr6 !== undefined;
}

/**
 * The families of the Service the internet connects to: the LoadBalancer (loadBalancer mode) or
 * Traefik's own Service (traefik mode, through its Helm values). On a dual-stack cluster the
 * default is PreferDualStack with [IPv4, IPv6]:
 * - Prefer, not Require: a cluster whose API server has no IPv6 service range, or a load
 *   balancer without an IPv6 pool, still gets a working IPv4 Service instead of none.
 * - IPv4 first: the primary family of an existing Service cannot change, and a Service created
 *   before (without ipFamilies) is IPv4 on an IPv4-primary cluster, so adding IPv6 second is an
 *   update Kubernetes accepts where [IPv6, IPv4] would be refused.
 * Given values win; a two-family list without a policy gets PreferDualStack (Kubernetes's default,
 * SingleStack, would refuse two families). hostPort has no Service: undefined.
 */
export function publicServiceFamilies(config: MailuConfig): ServiceFamilies | undefined {
  const x = config.exposure;
  if (x.mode === 'hostPort') return undefined;
  const policy: IpFamilyPolicy | undefined = x.mode === 'loadBalancer' ? x.loadBalancer.ipFamilyPolicy : undefined;
  const families: IpFamily[] | undefined = x.mode === 'loadBalancer' ? x.loadBalancer.ipFamilies : undefined;
  if (policy === undefined && families === undefined) {
    return isDualStack(config) ? { ipFamilyPolicy: 'PreferDualStack', ipFamilies: [...DUAL_STACK_FAMILIES] } : undefined;
  }
  const ipFamilyPolicy = policy ?? (families && families.length > 1 ? 'PreferDualStack' : undefined);
  const ipFamilies = families ?? (isDualStack(config) && ipFamilyPolicy !== 'SingleStack' ? [...DUAL_STACK_FAMILIES] : undefined);
  return { ...(ipFamilyPolicy ? { ipFamilyPolicy } : {}), ...(ipFamilies ? { ipFamilies: [...ipFamilies] } : {}) };
}

/** Why the LoadBalancer's families do not fit the cluster, with the field to change. */
export function serviceFamilyIssues(config: MailuConfig): { path: string; message: string }[] {
  const x = config.exposure;
  if (x.mode !== 'loadBalancer') return [];
  const { ipFamilyPolicy, ipFamilies = [] } = x.loadBalancer;
  const out: { path: string; message: string }[] = [];
  const at = 'exposure.loadBalancer';
  if (new Set(ipFamilies).size !== ipFamilies.length) out.push({ path: `${at}.ipFamilies`, message: `lists ${ipFamilies[0]} twice; list each family once` });
  else if (ipFamilyPolicy === 'SingleStack' && ipFamilies.length > 1) {
    out.push({ path: `${at}.ipFamilies`, message: 'lists two families but ipFamilyPolicy is SingleStack; use PreferDualStack or RequireDualStack, or list one family' });
  }
  if (isDualStack(config)) return out;
  const why = 'the cluster is IPv4-only as configured (cluster.podCidr6 and serviceCidr6 unset); set them if it is dual-stack';
  if (ipFamilies.includes('IPv6')) out.push({ path: `${at}.ipFamilies`, message: `includes IPv6 but ${why}` });
  if (ipFamilyPolicy === 'RequireDualStack') out.push({ path: `${at}.ipFamilyPolicy`, message: `RequireDualStack cannot be met: ${why}` });
  return out;
}
