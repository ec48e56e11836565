/**
 * IAM policy documents used by several components, built in one place so that every trust policy
 * has the same shape and the tests can audit them.
 */
import * as pulumi from '@pulumi/pulumi';

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Trust policy letting an AWS service (e.g. `eks.amazonaws.com`) assume a role. */
export function serviceTrustPolicy(service: string): string {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
  return JSON.stringify(doc);
}

/** The issuer URL without its scheme, as IAM condition keys spell it. */
export function issuerHost(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, '');
}

/** A trust policy letting tokens of one OIDC provider assume the role when every condition holds exactly. */
function webIdentityTrust(providerArn: string, stringEquals: Record<string, string | string[]>): string {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: stringEquals } }],
  };
  return JSON.stringify(doc);
}

/**
 * Trust policy for IAM roles for service accounts (IRSA): only the named Kubernetes service account,
 * presenting a token whose audience is STS, may assume the role. Both conditions are StringEquals,
 * never StringLike, so no other service account of the cluster matches.
 */
export function serviceAccountTrustPolicy(args: {
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuerUrl: pulumi.Input<string>;
  namespace: string;
  serviceAccount: string;
}): pulumi.Output<string> {
  return pulumi.all([args.oidcProviderArn, args.oidcIssuerUrl]).apply(([arn, url]) => {
    const host = issuerHost(url);
    return webIdentityTrust(arn, {
      [`${host}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
      [`${host}:aud`]: 'sts.amazonaws.com',
    });
  });
}

/** Host of GitHub Actions' OIDC token issuer. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/**
 * Trust policy for a role that GitHub Actions workflows assume through OIDC, limited to the given
 * token subjects (e.g. `repo:owner/name:ref:refs/heads/main`), so forks and other branches cannot.
 */
export function githubTrustPolicy(oidcProviderArn: pulumi.Input<string>, subjects: readonly string[]): pulumi.Output<string> {
  return pulumi.output(oidcProviderArn).apply((arn) => {
    return webIdentityTrust(arn, { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] });
  });
}

/** Serializes an identity policy document from its statements. */
export function policyJson(statements: readonly PolicyStatement[]): string {
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return JSON.stringify(doc);
}
