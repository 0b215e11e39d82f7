import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const KEYLEN = 32;

/** `scrypt$N$salt$hash`. A fixed salt source makes seeded data byte-identical; live users get random salts. */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(password, salt, KEYLEN, { N });
  return `scrypt$${N}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A deterministic salt for seeded demo users. */
export function seededSalt(seed: number, login: string): Buffer {
  return createHash('sha256').update(`${seed}:${login}`).digest().subarray(0, 16);
}

/** Constant-time check of a password against a stored hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n) });
  return timingSafeEqual(actual, expected);
}

/** Secrets (session and API tokens) are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random secret token with a readable prefix (`vms_` session, `vmt_` API token). */
export function newToken(prefix: 'vms' | 'vmt'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}
