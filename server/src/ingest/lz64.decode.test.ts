import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { decompressLz64, Lz64Error } from './lz64.decode.js';

describe('decompressLz64', () => {
  it('round-trips what lz-string (posthog-js) compresses, including any UTF-8', () => {
    for (const text of ['{"event":"x"}', JSON.stringify({ a: 'héllo 🌍 日本語 שלום', n: [1, 2, 3] }), 'x'.repeat(10_000)]) {
      expect(decompressLz64(LZString.compressToBase64(text), 1e6)).toBe(text);
    }
  });

  it('refuses output beyond the cap instead of expanding without bound', () => {
    const bomb = LZString.compressToBase64('a'.repeat(300_000));
    expect(bomb.length).toBeLessThan(5_000);
    expect(() => decompressLz64(bomb, 100_000)).toThrow(Lz64Error);
  });

  it('refuses garbage', () => {
    expect(() => decompressLz64('!!!not base64!!!', 1e6)).toThrow(Lz64Error);
    expect(() => decompressLz64('', 1e6)).toThrow(Lz64Error);
    const truncated = LZString.compressToBase64('{"event":"a long enough event name to truncate"}').slice(0, 10);
    expect(() => decompressLz64(truncated, 1e6)).toThrow(Lz64Error);
  });
});
