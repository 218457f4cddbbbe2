/** `{ createdAt: 'created_at' }` → `['created_at as createdAt']`, for RETURNING (knex takes no alias map there). */
export const aliased = (columns: Record<string, string>): string[] => Object.entries(columns).map(([as, col]) => `${col} as ${as}`);
