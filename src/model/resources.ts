// Documented default requests/limits per component; `resources.<component>` overrides field by field.
import type { ComponentName, MailuConfig, ResourceSpec } from '../config/schema.js';

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

const r = (reqCpu: string, reqMem: string, limCpu: string, limMem: string): Resources => ({
  requests: { cpu: reqCpu, memory: reqMem },
  limits: { cpu: limCpu, memory: limMem },
});

export const DEFAULT_RESOURCES: Record<ComponentName | 'operator', Resources> = {
  front: r('100m', '128Mi', '1', '512Mi'),
  admin: r('100m', '256Mi', '1', '1Gi'),
  smtp: r('100m', '256Mi', '1', '1Gi'),
  imap: r('100m', '256Mi', '2', '2Gi'),
  antispam: r('100m', '512Mi', '1', '1536Mi'),
  antivirus: r('200m', '1536Mi', '2', '3Gi'),
  webmail: r('50m', '128Mi', '1', '512Mi'),
  webdav: r('25m', '64Mi', '500m', '256Mi'),
  fetchmail: r('25m', '64Mi', '500m', '256Mi'),
  oletools: r('25m', '128Mi', '500m', '512Mi'),
  tika: r('100m', '512Mi', '2', '2Gi'),
  redis: r('50m', '64Mi', '500m', '512Mi'),
  resolver: r('50m', '64Mi', '500m', '256Mi'),
  operator: r('20m', '96Mi', '500m', '128Mi'),
};

export function resourcesFor(config: MailuConfig, component: ComponentName): Resources {
  const d = DEFAULT_RESOURCES[component];
  const o: ResourceSpec = config.resources[component] ?? {};
  return {
    requests: { ...d.requests, ...o.requests },
    limits: { ...d.limits, ...o.limits },
  } as Resources;
}
