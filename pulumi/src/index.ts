/**
 * Entry point of the Pulumi program (`main: dist/index.js` in Pulumi.yaml): reads and validates the
 * stack configuration, creates the platform and exports its outputs.
 */
import { loadPlatformConfig, loadPlatformSecrets } from './config';
import { createPlatform } from './platform';

const config = loadPlatformConfig();
const outputs = createPlatform(config, loadPlatformSecrets(config));

export const kubeconfig = outputs.kubeconfig;
export const clusterName = outputs.clusterName;
export const ecrRepositoryUrls = outputs.ecrRepositoryUrls;
export const databaseEndpoint = outputs.databaseEndpoint;
export const databaseHost = outputs.databaseHost;
export const redisHost = outputs.redisHost;
export const vpcCidr = outputs.vpcCidr;
export const imageRegistry = outputs.imageRegistry;
export const vpcId = outputs.vpcId;
export const oidcProviderArn = outputs.oidcProviderArn;
export const appSecretName = outputs.appSecretName;
export const externalSecretsRoleArn = outputs.externalSecretsRoleArn;
export const ebsCsiRoleArn = outputs.ebsCsiRoleArn;
export const loadBalancerControllerRoleArn = outputs.loadBalancerControllerRoleArn;
export const region = outputs.region;
export const ciImagesRoleArn = outputs.ciImagesRoleArn;
export const ciPreviewRoleArn = outputs.ciPreviewRoleArn;
export const ciDeployRoleArn = outputs.ciDeployRoleArn;
export const karpenterNodeRoleName = outputs.karpenterNodeRoleName;
export const karpenterInterruptionQueue = outputs.karpenterInterruptionQueue;
export const filesBucketName = outputs.filesBucketName;
export const gatewayRoleArn = outputs.gatewayRoleArn;
export const filesBucketOrigin = outputs.filesBucketOrigin;
