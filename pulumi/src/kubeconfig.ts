/**
 * Kubeconfig for an EKS cluster. Authentication goes through `aws eks get-token`, so the file holds
 * no credential of its own; it is still exported as a secret because it names the endpoint and CA.
 */

/** What a kubeconfig needs to know about the cluster. */
export interface KubeconfigArgs {
  readonly clusterName: string;
  /** API server URL. */
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA. */
  readonly certificateAuthority: string;
  /** AWS region of the cluster, passed to the AWS CLI. */
  readonly region: string;
}

/** Builds the kubeconfig document (JSON, which kubectl reads as YAML). */
export function buildKubeconfig(args: KubeconfigArgs): string {
  const context = args.clusterName;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server: args.endpoint, 'certificate-authority-data': args.certificateAuthority } }],
    contexts: [{ name: context, context: { cluster: context, user: context } }],
    'current-context': context,
    users: [
      {
        name: context,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'aws',
            args: ['eks', 'get-token', '--cluster-name', args.clusterName, '--region', args.region, '--output', 'json'],
            interactiveMode: 'Never',
          },
        },
      },
    ],
  });
}
