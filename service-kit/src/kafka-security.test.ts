import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseEnvironment } from './config';
import { checkKafkaSecurity, kafkaConnectionSecurity, kafkaSecurityVariables } from './kafka-security';

const schema = z.object(kafkaSecurityVariables).superRefine(checkKafkaSecurity);
const parse = (environment: Record<string, string>) => parseEnvironment(schema, environment, { service: 'test' });

describe('Kafka security settings', () => {
  test('unset: plaintext without SASL (the local system and compose)', () => {
    expect(kafkaConnectionSecurity(parse({}))).toEqual({});
  });

  test('SCRAM over TLS with the cluster CA read from its file (Kubernetes prod)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-ca-'));
    const ca = path.join(dir, 'ca.crt');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    try {
      const settings = parse({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'chat-gateway', KAFKA_SASL_PASSWORD: 'secret', KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: ca });
      expect(kafkaConnectionSecurity(settings)).toEqual({
        ssl: { ca: [fs.readFileSync(ca, 'utf8')] },
        sasl: { mechanism: 'scram-sha-512', username: 'chat-gateway', password: 'secret' },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TLS without a CA file trusts the system CAs', () => {
    expect(kafkaConnectionSecurity(parse({ KAFKA_TLS: 'true' }))).toEqual({ ssl: true });
  });

  test.each([
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM/],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM: missing/],
    [{ KAFKA_TLS_CA_FILE: '/etc/kafka-ca/ca.crt' }, /KAFKA_TLS: must be true/],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /KAFKA_SASL_MECHANISM/],
  ])('refuses %j, naming the variable', (environment, problem) => {
    expect(() => parse(environment as Record<string, string>)).toThrow(problem);
  });
});
