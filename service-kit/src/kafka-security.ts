import fs from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { env } from './config';

/**
 * How a service authenticates to Kafka and encrypts the connection, the same variables in every
 * service's schema (spread them in, and refine with {@link checkKafkaSecurity}). Unset: plaintext and
 * no authentication, as the local system and compose run. In Kubernetes prod: SCRAM-SHA-512 over TLS,
 * the user and its password from the Strimzi `KafkaUser` of the service, the CA from the cluster's CA secret.
 */
export const kafkaSecurityVariables = {
  /** SASL mechanism; SCRAM only (PLAIN would send the password itself, and mTLS needs no password). */
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** TLS to the brokers (their certificate checked against KAFKA_TLS_CA_FILE, or the system's CAs). */
  KAFKA_TLS: env.flag().default(false),
  /** PEM file of the CA that signed the brokers' certificates (Strimzi's `<cluster>-cluster-ca-cert`). */
  KAFKA_TLS_CA_FILE: z.string().optional(),
};

type KafkaSecuritySettings = {
  KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'scram-sha-256' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_TLS: boolean;
  KAFKA_TLS_CA_FILE?: string | undefined;
};

/** The combinations the variables must make (a `superRefine` of the service's schema). */
export function checkKafkaSecurity(e: KafkaSecuritySettings, ctx: z.RefinementCtx): void {
  if (e.KAFKA_SASL_MECHANISM !== undefined) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (!e[name]) ctx.addIssue({ code: 'custom', path: [name], message: `required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}` });
    }
  } else if (e.KAFKA_SASL_USERNAME || e.KAFKA_SASL_PASSWORD) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_MECHANISM'], message: 'missing: a SASL user is set but no mechanism' });
  }
  if (e.KAFKA_TLS_CA_FILE && !e.KAFKA_TLS) ctx.addIssue({ code: 'custom', path: ['KAFKA_TLS'], message: 'must be true when KAFKA_TLS_CA_FILE is set' });
}

/** The `ssl` and `sasl` options of `new Kafka(...)` for the settings (nothing for plaintext). */
export function kafkaConnectionSecurity(e: KafkaSecuritySettings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const ssl = !e.KAFKA_TLS ? undefined : e.KAFKA_TLS_CA_FILE ? { ca: [fs.readFileSync(e.KAFKA_TLS_CA_FILE, 'utf8')] } : true;
  const sasl = e.KAFKA_SASL_MECHANISM === undefined ? undefined : ({ mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME!, password: e.KAFKA_SASL_PASSWORD! } as SASLOptions);
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
