// The kubeconfig an embedded control plane hands out, in the layout of kubeadm's admin.conf
// (everything embedded as base64 data). Unlike the CLI's writer it also describes a plain
// HTTP server without credentials, and it does not load the certificate-issuing library.

import { stringify } from 'yaml';

export const EMBEDDED_CONTEXT = 'k8ts-embedded';

export interface EmbeddedKubeconfigInput {
  server: string;
  /** Absent for plain HTTP. */
  tls?: { caPem: string; certPem: string; keyPem: string };
}

export function embeddedKubeconfig(input: EmbeddedKubeconfigInput): string {
  const user: Record<string, string> = {};
  const cluster: Record<string, string> = { server: input.server };
  if (input.tls) {
    cluster['certificate-authority-data'] = base64(input.tls.caPem);
    user['client-certificate-data'] = base64(input.tls.certPem);
    user['client-key-data'] = base64(input.tls.keyPem);
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: EMBEDDED_CONTEXT, cluster }],
    contexts: [{ name: EMBEDDED_CONTEXT, context: { cluster: EMBEDDED_CONTEXT, user: EMBEDDED_CONTEXT } }],
    'current-context': EMBEDDED_CONTEXT,
    preferences: {},
    users: [{ name: EMBEDDED_CONTEXT, user }],
  });
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
