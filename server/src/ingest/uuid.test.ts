import { describe, expect, it } from 'vitest';
import { isUuid, NAMESPACE, uuidV5 } from './uuid.js';

describe('uuidV5', () => {
  it('matches the RFC 4122 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is deterministic, version 5, and differs by name', () => {
    const a = uuidV5(NAMESPACE.segmentMessage, 'ajs-next-1');
    expect(a).toBe(uuidV5(NAMESPACE.segmentMessage, 'ajs-next-1'));
    expect(a).not.toBe(uuidV5(NAMESPACE.segmentMessage, 'ajs-next-2'));
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('5');
  });
});
