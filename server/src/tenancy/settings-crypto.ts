import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveSecret } from '../db/secrets.js';

const keyOf = (instanceSecret: string) => Buffer.from(deriveSecret(instanceSecret, 'tenant-database-settings'), 'hex');

/** AES-256-GCM with a key derived from the instance secret: `v1.<iv>.<tag>.<ciphertext>` (base64url). */
export function encryptSettings(instanceSecret: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(instanceSecret), iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

export function decryptSettings<T>(instanceSecret: string, sealed: string): T {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || !ct) throw new Error('unrecognised encrypted settings');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(instanceSecret), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')) as T;
}
