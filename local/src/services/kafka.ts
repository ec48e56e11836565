import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LocalStackError } from '../errors';
import { kafkaVersion } from '../installer';
import { kafkaLibs, repoRoot } from '../paths';
import { isListening } from '../ports';
import { type ManagedProcess } from '../processes';

export interface KafkaOptions {
  dir: string;
  /** The client listener. */
  port: number;
  /** The KRaft controller listener. */
  controllerPort: number;
  /** Partitions of auto-created topics. */
  defaultPartitions?: number;
  heapMb?: number;
  /**
   * A second client listener, SASL_PLAINTEXT with SCRAM-SHA-512 on `port`, and the users it knows
   * (their credentials written when the storage is formatted, as `kafka-storage format --add-scram`
   * does), with ACLs enforced for them: how the tests prove the services' SCRAM settings and the
   * KafkaUsers' ACLs against a real broker.
   */
  scram?: { port: number; users: readonly { username: string; password: string }[] };
}

/** The mechanism of the SCRAM listener (the one Strimzi's `scram-sha-512` authentication uses). */
export const KAFKA_SCRAM_MECHANISM = 'SCRAM-SHA-512';

const classpath = () => `${kafkaLibs(kafkaVersion())}/*`;

function serverProperties(o: KafkaOptions): string {
  return [
    '# written by the local system on every start (local/src/services/kafka.ts)',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}${o.scram ? `,SASL_PLAINTEXT://127.0.0.1:${o.scram.port}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}${o.scram ? `,SASL_PLAINTEXT://127.0.0.1:${o.scram.port}` : ''}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${o.scram ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}`,
    ...(o.scram
      ? [
          `listener.name.sasl_plaintext.sasl.enabled.mechanisms=${KAFKA_SCRAM_MECHANISM}`,
          // The broker side of SCRAM needs the login module only: the users are in the cluster metadata.
          `listener.name.sasl_plaintext.${KAFKA_SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
          // ACLs bind the SCRAM users only: the plaintext and controller listeners' principal (ANONYMOUS)
          // stays a super user, so the broker's own traffic and the set-up of the test are unaffected.
          'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'super.users=User:ANONYMOUS',
        ]
      : []),
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `controller.quorum.bootstrap.servers=127.0.0.1:${o.controllerPort}`,
    `log.dirs=${path.join(o.dir, 'kraft-logs')}`,
    `num.partitions=${o.defaultPartitions ?? 12}`,
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=12',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // One broker: no reason to wait for more members before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.retention.hours=24',
    '',
  ].join('\n');
}

/**
 * A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage random-uuid` prints).
 * It may start with "-", so it is passed as `--cluster-id=<id>`, never as a separate argument.
 */
const newClusterId = () => crypto.randomBytes(16).toString('base64url');

/** Writes the config and formats the storage on first start (KRaft needs a formatted log dir). */
function prepare(o: KafkaOptions): string {
  fs.mkdirSync(o.dir, { recursive: true });
  const config = path.join(o.dir, 'server.properties');
  fs.writeFileSync(config, serverProperties(o));
  if (!fs.existsSync(path.join(o.dir, 'kraft-logs', 'meta.properties'))) {
    try {
      execFileSync(
        'java',
        ['-cp', classpath(), ...log4j(), 'kafka.tools.StorageTool', 'format', '--standalone', `--cluster-id=${newClusterId()}`, '-c', config, ...scramCredentials(o)],
        { stdio: 'pipe' },
      );
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw new LocalStackError(`formatting Kafka's storage failed: ${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
    }
  }
  return config;
}

/** `--add-scram` arguments for the SCRAM users (only read when the storage is formatted: a new folder). */
function scramCredentials(o: KafkaOptions): string[] {
  return (o.scram?.users ?? []).flatMap((u) => ['--add-scram', `${KAFKA_SCRAM_MECHANISM}=[name=${u.username},password=${u.password}]`]);
}

const log4j = () => [`-Dlog4j2.configurationFile=${path.join(repoRoot, 'local', 'kafka', 'log4j2.yaml')}`];

export function kafkaProcess(o: KafkaOptions): ManagedProcess {
  const config = prepare(o);
  const heap = `${o.heapMb ?? 768}m`;
  return {
    name: 'kafka',
    dir: o.dir,
    command: 'java',
    args: [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      ...log4j(),
      '-cp',
      classpath(),
      'kafka.Kafka',
      config,
    ],
    isReady: () => isKafkaReady(o.port),
    // About 10 s on a quiet machine; on one at a load of 16-20 the JVM's start alone passed 60 s.
    readyTimeoutMs: 120_000,
  };
}

/** Ready when the broker answers a metadata request and names a controller. */
async function isKafkaReady(port: number): Promise<boolean> {
  if (!(await isListening(port))) return false;
  const admin = new Kafka({
    clientId: 'local-readiness',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
