import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The secrets of a local system: generated on its first start, kept (mode 0600) in its data folder. */
export interface LocalSecrets {
  /** Signs and verifies people's access tokens (the gateways). */
  JWT_SECRET: string;
  /** Signs and verifies service tokens (the assistant's), a key of their own. */
  SERVICE_TOKEN_SECRET: string;
}

/**
 * The local system's secrets, from `<dir>/secrets.json`, created with fresh random values when missing.
 * The repository ships no usable secret: a public default let anyone forge tokens for a running system.
 * A secret given in the environment wins (rotation: set the new one, keep the old as *_PREVIOUS).
 */
export function localSecrets(dir: string, env: NodeJS.ProcessEnv = process.env): LocalSecrets {
  const file = path.join(dir, 'secrets.json');
  let stored: Partial<LocalSecrets> = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
  const fresh = () => crypto.randomBytes(32).toString('base64url');
  const secrets: LocalSecrets = { JWT_SECRET: stored.JWT_SECRET ?? fresh(), SERVICE_TOKEN_SECRET: stored.SERVICE_TOKEN_SECRET ?? fresh() };
  if (secrets.JWT_SECRET !== stored.JWT_SECRET || secrets.SERVICE_TOKEN_SECRET !== stored.SERVICE_TOKEN_SECRET) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return { JWT_SECRET: env.JWT_SECRET || secrets.JWT_SECRET, SERVICE_TOKEN_SECRET: env.SERVICE_TOKEN_SECRET || secrets.SERVICE_TOKEN_SECRET };
}
