import { describe, expect, it } from 'vitest';
import { decryptSettings, encryptSettings } from './settings-crypto.js';

describe('tenant database settings encryption', () => {
  const secret = 'x'.repeat(40);
  it('round-trips and hides the plaintext', () => {
    const sealed = encryptSettings(secret, { database: 'cairn_org_abc', url: 'postgres://h/db' });
    expect(sealed).not.toContain('cairn_org_abc');
    expect(decryptSettings(secret, sealed)).toEqual({ database: 'cairn_org_abc', url: 'postgres://h/db' });
  });
  it('refuses another key and a tampered ciphertext', () => {
    const sealed = encryptSettings(secret, { a: 1 });
    expect(() => decryptSettings('y'.repeat(40), sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSettings(secret, parts.join('.'))).toThrow();
  });
});
