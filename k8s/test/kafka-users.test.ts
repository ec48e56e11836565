// The KafkaUsers prod ships, applied to a real broker: a KRaft broker of this suite's own with a
// SASL_PLAINTEXT SCRAM-SHA-512 listener (credentials made by `kafka-storage format --add-scram`) and the
// StandardAuthorizer. Each service's connection settings go through the service kit's schema and
// kafkaConnectionSecurity (what the services run); each user's ACLs are the synthesized KafkaUser's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, kafkaProcess, startProcess, stopProcess } from '@chat/local';
import { checkKafkaSecurity, kafkaConnectionSecurity, kafkaSecurityVariables } from '@chat/service-kit';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type AclEntry, Kafka, type KafkaConfig, logLevel, ResourcePatternTypes } from 'kafkajs';
import { z } from 'zod';
import { KAFKA_TOPICS, type Manifest, prodConfig, synthManifests } from '../src';
import { find, openAiAssistant } from './support';

const SERVICES = ['gateway', 'persister', 'assistant'] as const;
type Service = (typeof SERVICES)[number];
const password = (service: Service) => `${service}-scram-password-${process.pid}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-scram-'));
const broker = { name: 'kafka', dir };
let plainPort = 0;
let scramPort = 0;
const manifests: Manifest[] = synthManifests(prodConfig({ assistant: openAiAssistant(1) }));
const kafkaUser = (service: Service) => find(manifests, 'KafkaUser', `chat-${service}`);

/** The service kit's Kafka variables, as every service's schema includes and refines them. */
const securitySchema = z.object(kafkaSecurityVariables).superRefine(checkKafkaSecurity);

/** A client as the service would make it: its settings parsed, then kafkaConnectionSecurity. */
function clientOf(service: Service, secret = password(service)): Kafka {
  const settings = securitySchema.parse({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: kafkaUser(service).metadata.name, KAFKA_SASL_PASSWORD: secret });
  const config: KafkaConfig = { clientId: `test-${service}`, brokers: [`127.0.0.1:${scramPort}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 200 }, ...kafkaConnectionSecurity(settings) };
  return new Kafka(config);
}

/** Every message of an error and of the errors that caused it: kafkajs wraps the broker's code. */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = (e as Error & { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError) {
      messages.push(`${e.name}: ${e.message} ${(e as { type?: string }).type ?? ''}`);
    }
    return messages.join(' / ');
  }
  return 'no failure';
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const OPERATION = { Read: AclOperationTypes.READ, Write: AclOperationTypes.WRITE, Describe: AclOperationTypes.DESCRIBE } as const;

/** A KafkaUser's `simple` ACLs as the User Operator writes them: principal User:<name>, any host, allow. */
function aclEntries(user: Manifest & Record<string, any>): AclEntry[] {
  return user.spec.authorization.acls.flatMap((acl: { resource: { type: 'topic' | 'group'; name: string }; operations: ('Read' | 'Write' | 'Describe')[] }) =>
    acl.operations.map((operation) => ({
      resourceType: RESOURCE[acl.resource.type],
      resourceName: acl.resource.name,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${user.metadata.name}`,
      host: '*',
      operation: OPERATION[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

beforeAll(async () => {
  [plainPort, scramPort] = [await freePort(), await freePort()];
  const users = SERVICES.map((service) => ({ username: kafkaUser(service).metadata.name, password: password(service) }));
  await startProcess(kafkaProcess({ dir, port: plainPort, controllerPort: await freePort(), heapMb: 384, defaultPartitions: 1, scram: { port: scramPort, users } }));
  // The operator's side, over the plaintext listener (a super user): the topics and every KafkaUser's ACLs.
  const admin = new Kafka({ clientId: 'test-operator', brokers: [`127.0.0.1:${plainPort}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [KAFKA_TOPICS.messages, KAFKA_TOPICS.deadLetter].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.createAcls({ acl: SERVICES.flatMap((service) => aclEntries(kafkaUser(service))) });
  await admin.disconnect();
}, 180_000);

afterAll(async () => {
  await stopProcess(broker);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the services against a broker that authenticates with SCRAM-SHA-512', () => {
  test.each(SERVICES)('%s authenticates as its KafkaUser with its password', async (service) => {
    const admin = clientOf(service).admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });

  test('a wrong password is refused at authentication', async () => {
    expect(await failureOf(clientOf('gateway', 'not-the-password').admin().connect())).toMatch(/SASL.*(authentication failed|Authentication failed)/i);
  });

  test('the settings refuse a mechanism without its user and password', () => {
    expect(securitySchema.safeParse({ KAFKA_SASL_MECHANISM: 'scram-sha-512' }).error?.issues.map((i) => i.path[0])).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
  });
});

describe('the KafkaUsers\' ACLs on a real broker', () => {
  test('the gateway produces messages, and may not write dead letters', async () => {
    const producer = clientOf('gateway').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: KAFKA_TOPICS.messages, messages: [{ key: 'room', value: 'from the gateway' }] });
      expect(await failureOf(producer.send({ topic: KAFKA_TOPICS.deadLetter, messages: [{ value: 'x' }] }))).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);
    } finally {
      await producer.disconnect();
    }
  });

  test('the persister reads messages in its group and writes dead letters; it may not write messages', async () => {
    const kafka = clientOf('persister');
    const consumer = kafka.consumer({ groupId: kafkaUser('persister').spec.authorization.acls.find((a: any) => a.resource.type === 'group').resource.name });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: KAFKA_TOPICS.messages, fromBeginning: true });
      const first = new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
      expect(await first).toBe('from the gateway');
    } finally {
      await consumer.disconnect();
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: KAFKA_TOPICS.deadLetter, messages: [{ value: 'a dead letter' }] });
      expect(await failureOf(producer.send({ topic: KAFKA_TOPICS.messages, messages: [{ value: 'forged' }] }))).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  test('the assistant reads its own group\'s offsets, and may not read the persister\'s group', async () => {
    const admin = clientOf('assistant').admin();
    await admin.connect();
    try {
      await expect(admin.fetchOffsets({ groupId: 'chat-assistant', topics: [KAFKA_TOPICS.messages] })).resolves.toHaveLength(1);
      // The broker refuses FindCoordinator for a group the user has no ACL on; kafkajs reports no coordinator.
      expect(await failureOf(admin.fetchOffsets({ groupId: 'chat-persister', topics: [KAFKA_TOPICS.messages] }))).toMatch(/GROUP_AUTHORIZATION_FAILED|not authorized|Failed to find group coordinator/i);
    } finally {
      await admin.disconnect();
    }
  });
});
