import { Algorithm, hash, verify } from '@node-rs/argon2';

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): about 20 ms per hash here. */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash is a failed login, not a crash
  }
}

/**
 * A real hash of nothing anyone knows: verified against when the username does not exist, so that a
 * login takes as long for an unknown user as for a wrong password (no user enumeration by timing).
 */
export const dummyHash: Promise<string> = hashPassword('no user has this password, it only burns time');
