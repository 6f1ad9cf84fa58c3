import { hash, verify } from '@node-rs/argon2';
import { normalizePassword } from './policy.ts';

/** argon2id with OWASP's parameters: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(normalizePassword(password), ARGON2_OPTIONS);

/** Parameters come from the PHC string, so hashes made with older parameters still verify. */
export const verifyPassword = async (hashed: string, password: string): Promise<boolean> => {
  try {
    return await verify(hashed, normalizePassword(password));
  } catch {
    return false;
  }
};

/**
 * A hash to verify against when the tenant or the user does not exist, so an
 * unknown account costs the same argon2 time as a wrong password.
 */
export const decoyHash = (): Promise<string> => hashPassword(`decoy-${crypto.randomUUID()}`);
