// Address mistakes new users make: cluster ranges copied from another distribution, private
// addresses published in public DNS. The messages say what to set instead.
import type { MailuConfig } from '../config/schema.js';

/**
 * The pod and service ranges overlap: one of them is not what the cluster uses (a pod range from
 * Cilium's default pool next to k3s's default service range, typically). Says where to find each.
 */
export function cidrOverlapAdvice(podCidr: string, serviceCidr: string): string {
  const cilium = podCidr === '10.0.0.0/8' ? ' (10.0.0.0/8 is Cilium\'s default cluster-pool)' : '';
  return (
    `${serviceCidr} overlaps cluster.podCidr ${podCidr}${cilium}; a cluster's pod and service ranges never overlap, so one of them is not what your cluster uses. ` +
    `Set cluster.serviceCidr to the cluster's service range (the kube-apiserver's --service-cluster-ip-range; the "kubernetes" Service's ClusterIP lies in it; kubeadm's default is 10.96.0.0/12, the default 10.43.0.0/16 is k3s's), ` +
    `or cluster.podCidr to the pod range actually used (Cilium: cluster-pool-ipv4-cidr in \`cilium config view\`; otherwise the nodes' spec.podCIDR); on k3s, cluster.distribution: k3s fills in its pod range`
  );
}
