/** The error shape every Cairn API route answers with. */
export interface ApiError {
  code: string;
  message: string;
  fields?: Array<{ path: string; message: string }>;
}

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly error: ApiError) {
    super(error.message);
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiFailure(res.status, json?.error ?? { code: 'INTERNAL', message: `HTTP ${res.status}` });
  return json?.data as T;
}
