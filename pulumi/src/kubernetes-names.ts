/**
 * Kubernetes names the AWS side and the GitOps manifests must agree on (IRSA trust policies name
 * the service accounts that the manifests create). Kept free of Pulumi imports so the GitOps tools
 * load quickly.
 */

/** Service account the ClusterSecretStore authenticates as, in External Secrets Operator's namespace. */
export const SECRETS_READER = { namespace: 'external-secrets', serviceAccount: 'external-secrets-reader' } as const;

/** Service account of the AWS Load Balancer Controller (chart default name). */
export const LOAD_BALANCER_CONTROLLER = { namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller' } as const;

/** Service account of the Karpenter controller (chart default name), trusted through EKS Pod Identity. */
export const KARPENTER = { namespace: 'kube-system', serviceAccount: 'karpenter' } as const;

/** Label every node carries to tell which group it belongs to (managed groups and Karpenter NodePools), for nodeSelectors. */
export const NODE_ROLE_LABEL = 'chat.example.com/node-role';
