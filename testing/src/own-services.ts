import path from 'node:path';
import { isAlive, migrate, runningPid, type ServicesConfig, type ServicesEnv, reservePort, startServices, stopProcess, stopServices } from '@chat/local';

/** The backing services a suite can take down and bring back. */
export type ServiceName = 'postgres' | 'redis' | 'kafka';

/** Controls of one backing service that only this suite uses. */
export interface ServiceControl {
  name: ServiceName;
  port: number;
  /** A clean shutdown (SIGTERM; PostgreSQL's fast shutdown, SIGINT), waiting until it exited. */
  stop(): Promise<void>;
  /** SIGKILL and wait until it is gone: a crash. */
  kill(): Promise<void>;
  /** Starts it again with the same data folder and port, and waits until it serves requests. */
  start(): Promise<void>;
}

/** PostgreSQL, Redis and Kafka started for one suite, in its own folder, on free ports. */
export interface OwnServices {
  config: ServicesConfig;
  /** URLs of the services; DATABASE_URL names a migrated database. */
  env: ServicesEnv;
  postgres: ServiceControl;
  redis: ServiceControl;
  kafka: ServiceControl;
  /** Stops all three. */
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL (migrated), a Redis (not persistent: a restart loses every key and stream, the
 * harshest case) and a Kafka broker of the suite's own under `dir`. A fault suite that stops them
 * disturbs no other suite of the run, which all share the run's services.
 */
export async function startOwnServices(dir: string, log: (line: string) => void = () => undefined): Promise<OwnServices> {
  // Reserved, not only free: a fault suite stops these and starts them again on the same ports, and a
  // system starting meanwhile must not be handed one of them (the reservations lapse after an hour).
  const config: ServicesConfig = {
    dir,
    postgres: { port: await reservePort(), user: 'chat', password: 'chat-test', database: 'chat' },
    redis: { port: await reservePort(), persistent: false },
    kafka: { port: await reservePort(), controllerPort: await reservePort() },
  };
  const env = await startServices(config, log);
  migrate(env.DATABASE_URL);

  const control = (name: ServiceName, port: number): ServiceControl => {
    const process_ = { name, dir: path.join(dir, name) };
    /** Sends `signal` and waits until the process is gone. */
    const signalAndWait = async (signal: NodeJS.Signals) => {
      const pid = runningPid(process_);
      if (pid === undefined) return;
      process.kill(pid, signal);
      // Nothing signals the death of a process that is not our child: poll until it is gone.
      while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    return {
      name,
      port,
      // PostgreSQL takes SIGTERM as a "smart" shutdown that waits for every client to disconnect (the
      // gateways' pools never do): SIGINT is its fast shutdown, which ends sessions and checkpoints.
      stop: name === 'postgres' ? () => signalAndWait('SIGINT') : async () => void (await stopProcess(process_, 30_000)),
      kill: () => signalAndWait('SIGKILL'),
      // startServices leaves running services alone and starts (and waits for) the missing one.
      start: async () => void (await startServices(config, log)),
    };
  };
  return {
    config,
    env,
    postgres: control('postgres', config.postgres.port),
    redis: control('redis', config.redis.port),
    kafka: control('kafka', config.kafka.port),
    stop: async () => void (await stopServices(config)),
  };
}
