import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, SECRET_KEYS } from './app-config';
import { imageFor, type PlatformConfig } from './config';
import { componentLabels } from './labels';
import { NODE_UID, restrictedPodSecurityContext, restrictedSecurityContext } from './security';
import { applyPodPlacement, containerResources } from './service-deployment';

/** Name of the Job that applies db/prisma/migrations (idempotent) with the persister image. */
export const MIGRATION_JOB_NAME = 'chat-migrate';

/**
 * One-shot Job running `node db/dist/migrate-cli.js`. Under Helm it is a post-install/post-upgrade
 * hook, re-created on every release (a Job's pod template is immutable); applied with kubectl it
 * deletes itself after an hour, and `kubectl apply --force` (Skaffold's flag) replaces it sooner.
 */
export class MigrationJob extends Construct {
  constructor(scope: Construct, id: string, props: { readonly config: PlatformConfig; readonly appConfig: AppConfig }) {
    super(scope, id);
    const { config, appConfig } = props;
    const job = new kplus.Job(this, 'job', {
      metadata: {
        name: MIGRATION_JOB_NAME,
        namespace: config.namespace,
        labels: componentLabels('migration'),
        annotations: {
          'helm.sh/hook': 'post-install,post-upgrade',
          'helm.sh/hook-weight': '0',
          'helm.sh/hook-delete-policy': 'before-hook-creation',
        },
      },
      podMetadata: { labels: componentLabels('migration') },
      securityContext: restrictedPodSecurityContext(NODE_UID),
      // Retries with backoff while Postgres or the Secret is not there yet (first install).
      backoffLimit: 10,
      activeDeadline: Duration.minutes(15),
      ttlAfterFinished: Duration.hours(1),
    });
    job.addContainer({
      name: 'migrate',
      image: imageFor(config, 'persister'),
      imagePullPolicy: config.images.pullPolicy as kplus.ImagePullPolicy,
      command: ['node', 'db/dist/migrate-cli.js'],
      envVariables: { DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl) },
      securityContext: restrictedSecurityContext(NODE_UID),
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
    });
    applyPodPlacement(job, config);
    ApiObject.of(job).addJsonPatch(
      JsonPatch.replace('/spec/template/spec/containers/0/resources', containerResources({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' })),
    );
  }
}
