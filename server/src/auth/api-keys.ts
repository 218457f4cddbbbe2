import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'cairn_pk_';

/** Keys are high-entropy random strings, so one SHA-256 is the right hash (no salt, no stretching). */
export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new personal API key. The plain key is shown once; only its hash is stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomBytes(30).toString('base64url');
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 4), hash: hashApiKey(key) };
}

export const displayPrefix = (key: string) => key.slice(0, Math.min(key.length, API_KEY_PREFIX.length + 4));
