import { client, unwrapList } from './api';

/** Event names of a project (most frequent first) for pickers; loaded once per project. */
const cache = new Map<string, Promise<string[]>>();

export function eventNames(projectId: string, refresh = false): Promise<string[]> {
  if (refresh || !cache.has(projectId)) {
    const p = unwrapList(
      client.GET('/api/v1/projects/{projectId}/event-names', { params: { path: { projectId }, query: { days: 365, limit: 500 } } }),
    ).then((r) => r.items.map((e) => e.event));
    p.catch(() => cache.delete(projectId));
    cache.set(projectId, p);
  }
  return cache.get(projectId)!;
}
