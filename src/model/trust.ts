// Whom Mailu trusts: SUBNET (relay without auth), REAL_IP_FROM (who may state a client address),
// REAL_IP_HEADER (HTTP header carrying it). Computed once; the invariants that keep Mailu from
// becoming an open relay are checked against this result in invariants.ts.
import type { MailuConfig } from '../config/schema.js';
import type { Exposure } from './exposure.js';

export interface Trust {
  subnet: string;
  subnet6?: string;
  realIpFrom: string[];
  realIpHeader?: string;
  proxyProtocol: number[];
}

export function decideTrust(config: MailuConfig, exp: Exposure): Trust {
  const webRealIpFrom = config.web.kind === 'none' ? [] : config.web.realIpFrom;
  // X-Forwarded-For is only honoured when an HTTP proxy sits in front and we know its addresses;
  // with PROXY on 80/443 the header would override the PROXY address, so it stays unset then.
  const webProxyOnHttp = exp.proxyPorts.some((p) => p === 80 || p === 443);
  const useHeader = webRealIpFrom.length > 0 && !webProxyOnHttp;
  const realIpFrom = [...new Set([...exp.proxyTrustedCidrs, ...(useHeader ? webRealIpFrom : [])])];
  return {
    subnet: config.cluster.podCidr,
    ...(config.cluster.podCidr6 ? { subnet6: config.cluster.podCidr6 } : {}),
    realIpFrom,
    ...(useHeader ? { realIpHeader: 'X-Forwarded-For' } : {}),
    proxyProtocol: exp.proxyPorts,
  };
}
