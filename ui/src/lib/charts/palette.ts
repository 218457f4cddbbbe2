import { cssVar } from '$lib/theme.svelte';

/** Series colours from the theme's tokens, so charts follow light and dark. */
export function palette(): string[] {
  return [1, 2, 3, 4, 5, 6, 7, 8].map((i) => cssVar(`--chart-${i}`) || '#2c6a4b');
}

export const withAlpha = (hex: string, alpha: number) => {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return hex;
  const n = parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
};
