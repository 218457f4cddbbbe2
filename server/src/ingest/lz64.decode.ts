/**
 * lz-string's `decompressFromBase64` (posthog-js `compression=lz64`), ported with an output
 * cap: LZ decompression can expand quadratically, so a few kilobytes could otherwise make
 * gigabytes. Throws `Lz64Error` on a corrupt stream or when the output would exceed `maxChars`.
 * Algorithm: lz-string 1.5.0 by pieroxy (WTFPL).
 */
export class Lz64Error extends Error {
  constructor(readonly reason: 'invalid' | 'too_large') {
    super(reason === 'too_large' ? 'decompressed body too large' : 'invalid lz64 data');
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function decompressLz64(input: string, maxChars: number): string {
  if (input === '') throw new Lz64Error('invalid');
  const length = input.length;
  const next = (index: number) => {
    const code = input.charCodeAt(index);
    const v = code < 128 ? VALUE[code]! : -1;
    if (v < 0) {
      if (index >= length) return 0;
      throw new Lz64Error('invalid');
    }
    return v;
  };
  let val = next(0);
  let position = 32;
  let index = 1;
  const read = (numBits: number) => {
    let bits = 0;
    for (let power = 1, max = 2 ** numBits; power !== max; power *= 2) {
      const resb = val & position;
      position >>= 1;
      if (position === 0) {
        position = 32;
        val = next(index++);
      }
      if (resb > 0) bits |= power;
    }
    return bits;
  };

  const dictionary: string[] = ['', '', ''];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  let total = 0;
  const result: string[] = [];
  const push = (s: string) => {
    total += s.length;
    if (total > maxChars) throw new Lz64Error('too_large');
    result.push(s);
  };

  const first = read(2);
  if (first === 2) return '';
  if (first !== 0 && first !== 1) throw new Lz64Error('invalid');
  let w = String.fromCharCode(read(first === 0 ? 8 : 16));
  dictionary[3] = w;
  push(w);
  for (;;) {
    if (index > length) throw new Lz64Error('invalid');
    let c = read(numBits);
    if (c === 0 || c === 1) {
      dictionary[dictSize++] = String.fromCharCode(read(c === 0 ? 8 : 16));
      c = dictSize - 1;
      enlargeIn--;
    } else if (c === 2) {
      return result.join('');
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    if (c < dictSize && dictionary[c]) entry = dictionary[c]!;
    else if (c === dictSize) entry = w + w.charAt(0);
    else throw new Lz64Error('invalid');
    push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}
