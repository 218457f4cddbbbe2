import type { Kind } from '$lib/query/types';

/** A saved insight as the insights API returns it. */
export interface SavedInsight {
  id: string;
  name: string;
  description: string;
  query: Record<string, unknown> & { kind: Kind };
  display: string;
}
