// cert-manager Certificate for every name front answers on (mail hostnames and autoconfig names).
import { Construct } from 'constructs';
import { objectLabels } from '../model/labels.js';
import { emit } from './api.js';

export interface MailCertificateProps {
  instance: string;
  namespace: string;
  secretName: string;
  dnsNames: string[];
  issuer: { name: string; kind: 'ClusterIssuer' | 'Issuer' };
}

export class MailCertificate extends Construct {
  constructor(scope: Construct, id: string, props: MailCertificateProps) {
    super(scope, id);
    emit(this, {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: props.secretName, namespace: props.namespace, labels: objectLabels(props.instance, 'front') },
      spec: {
        secretName: props.secretName,
        commonName: props.dnsNames[0],
        dnsNames: props.dnsNames,
        issuerRef: { name: props.issuer.name, kind: props.issuer.kind, group: 'cert-manager.io' },
        // Mail clients and MTAs still meet RSA-only stacks; ECDSA would lock some of them out.
        privateKey: { algorithm: 'RSA', size: 2048, rotationPolicy: 'Always' },
      },
    });
  }
}
