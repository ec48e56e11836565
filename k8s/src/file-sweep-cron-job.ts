import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, redisUrlIsSecret, SECRET_KEYS } from './app-config';
import { imageFor, type PlatformConfig } from './config';
import { componentLabels } from './labels';
import { NODE_UID, restrictedPodSecurityContext, restrictedSecurityContext } from './security';
import { applyPodPlacement, containerResources } from './service-deployment';

/** Name of the CronJob that deletes uploads no message took (gateway/dist/sweep-files-main.js). */
export const FILE_SWEEP_CRON_JOB_NAME = 'chat-file-sweep';

/** Options of {@link FileSweepCronJob}. */
export interface FileSweepCronJobProps {
  readonly config: PlatformConfig;
  readonly appConfig: AppConfig;
  /** The gateway's service account: its IAM role (Pod Identity / IRSA) may delete the bucket's objects. */
  readonly serviceAccount: kplus.IServiceAccount;
  /** When it runs. @default hourly, at minute 17 */
  readonly schedule?: string;
  /** More environment (the in-cluster store's keys in dev). */
  readonly extraEnv?: Record<string, kplus.EnvValue>;
}

/** A five-field cron expression as cdk8s's schedule options; throws on anything else (at synth time). */
function parseCron(expression: string) {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`FileSweepCronJob: schedule must have 5 fields, not "${expression}"`);
  const [minute, hour, day, month, weekDay] = fields as [string, string, string, string, string];
  return { minute, hour, day, month, weekDay };
}

/**
 * The orphan sweep, once per schedule, with the gateway's image, configuration and service account. One run
 * at a time (`Forbid`): a slow run is never overlapped by the next.
 */
export class FileSweepCronJob extends Construct {
  constructor(scope: Construct, id: string, props: FileSweepCronJobProps) {
    super(scope, id);
    const { config, appConfig } = props;
    const cron = new kplus.CronJob(this, 'cron', {
      metadata: { name: FILE_SWEEP_CRON_JOB_NAME, namespace: config.namespace, labels: componentLabels('file-sweep') },
      podMetadata: { labels: componentLabels('file-sweep') },
      schedule: props.schedule ? Cron.schedule(parseCron(props.schedule)) : Cron.schedule({ minute: '17' }),
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      serviceAccount: props.serviceAccount,
      securityContext: restrictedPodSecurityContext(NODE_UID),
      backoffLimit: 2,
      activeDeadline: Duration.minutes(30),
      successfulJobsRetained: 1,
      failedJobsRetained: 3,
    });
    cron.addContainer({
      name: 'sweep',
      image: imageFor(config, 'gateway'),
      imagePullPolicy: config.images.pullPolicy as kplus.ImagePullPolicy,
      command: ['node', 'dist/sweep-files-main.js'],
      envFrom: [kplus.Env.fromConfigMap(appConfig.shared), kplus.Env.fromConfigMap(appConfig.gateway)],
      envVariables: {
        JWT_SECRET: appConfig.secretValue(SECRET_KEYS.jwtSecret),
        DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl),
        // The gateway's configuration, which the script loads, requires it (the sweep never connects).
        ...(redisUrlIsSecret(config) ? { REDIS_URL: appConfig.secretValue(SECRET_KEYS.redisUrl) } : {}),
        ...props.extraEnv,
      },
      securityContext: restrictedSecurityContext(NODE_UID),
    });
    // On the nodes the other workloads run on (placement values), with their pod annotations.
    applyPodPlacement(cron, config);
    // The whole resources block as quantities, ephemeral storage bounded like every app container.
    ApiObject.of(cron).addJsonPatch(
      JsonPatch.add('/spec/jobTemplate/spec/template/spec/containers/0/resources', containerResources({ cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' })),
    );
  }
}
