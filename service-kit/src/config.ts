import { z } from 'zod';
import { AppError } from './app-error';

/** The exit code of a process refused its configuration (EX_CONFIG of sysexits.h), for every service. */
export const CONFIG_EXIT_CODE = 78;

/** The log levels every service accepts in LOG_LEVEL. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A schema of environment variables: an object whose keys are the UPPER_CASE variable names. */
export type EnvironmentSchema = z.ZodObject;

/** Options of {@link parseEnvironment}. */
export interface EnvironmentOptions {
  /** The service's name, first in every message (`gateway`). */
  service: string;
  /**
   * Variables starting with this prefix belong to this service alone (`PERSISTER_`): one the schema
   * does not know is a typo, refused instead of silently falling back to a default.
   */
  ownPrefix?: string;
}

/** The environment is refused: `problems` has one `NAME: what is wrong` line per bad variable. */
export class ConfigError extends AppError {
  override name = 'ConfigError';

  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super('VALIDATION', `invalid ${service} configuration: ${problems.join('; ')}`, { retriable: false });
  }
}

/** Building blocks for the schemas, so that every service reads numbers, flags and lists alike. */
export const env = {
  /** An integer within [min, max]. */
  int: (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max),
  /** `true`/`false` (also 1/0, yes/no): z.coerce.boolean would read "false" as true. */
  flag: () => z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes'),
  /** A comma-separated list of Kafka bootstrap brokers, host:port each. */
  brokers: () =>
    z
      .string()
      .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'at least one host:port')),
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  logLevel: () => z.enum(LOG_LEVELS).default('info'),
};

/** The variables of `environment` the schema does not know (for tests of generated environments). */
export function unknownVariables(schema: EnvironmentSchema, environment: Record<string, string | undefined>): string[] {
  return Object.keys(environment).filter((name) => !(name in schema.shape));
}

/**
 * Parses and validates an environment: empty values mean "not set" (as in .env files and ConfigMaps
 * with blank entries), keys are the variables' names, and the result is frozen. Throws a
 * {@link ConfigError} naming every bad variable (the variable only, not `KAFKA_BROKERS.0`: that is
 * what the operator has to fix), and every unknown one of the service's own prefix.
 */
export function parseEnvironment<S extends EnvironmentSchema>(schema: S, environment: Record<string, string | undefined>, options: EnvironmentOptions): Readonly<z.output<S>> {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const problems: string[] = [];
  if (options.ownPrefix) {
    const prefix = options.ownPrefix;
    for (const name of unknownVariables(schema, present).filter((n) => n.startsWith(prefix))) problems.push(`${name}: unknown ${options.service} variable (a typo?)`);
  }
  const result = schema.safeParse(present);
  if (!result.success) problems.push(...result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`));
  if (problems.length > 0 || !result.success) throw new ConfigError(options.service, problems);
  return deepFreeze(result.data as object) as Readonly<z.output<S>>;
}

/**
 * The configuration of this process, from `process.env` (the one place that reads it for a service's
 * settings). On a bad variable it prints which one and exits with {@link CONFIG_EXIT_CODE}, before
 * anything connects.
 */
export function loadEnvironment<S extends EnvironmentSchema>(schema: S, options: EnvironmentOptions): Readonly<z.output<S>> {
  try {
    return parseEnvironment(schema, process.env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.service}: ${error.message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (child && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
