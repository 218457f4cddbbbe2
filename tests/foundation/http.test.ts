import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';

let cairn: TestCairn;
beforeAll(async () => {
  cairn = await startTestCairn({ ...INIT });
});
afterAll(() => cairn?.destroy());

describe('HTTP conventions', () => {
  it('answers unknown API routes with a NOT_FOUND error body', async () => {
    for (const path of ['/api/v1/nope', '/api/v2/projects', '/api']) {
      const res = await api(cairn.url, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
    const post = await api(cairn.url, 'POST', '/api/v1/nope', { body: {} });
    expect(post.status).toBe(404);
  });

  it('rejects malformed JSON with 400 MALFORMED_BODY and no stack trace', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/setup', { body: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('MALFORMED_BODY');
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('rejects a body over the route limit with 413', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/setup', { body: { email: 'a@b.co', pad: 'x'.repeat(200_000) } });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/setup', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('names each invalid field', async () => {
    const res = await api(cairn.url, 'POST', '/api/v1/setup', { body: { email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('VALIDATION_ERROR');
    const paths = res.json.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.orgName', 'body.projectName']));
  });

  it('validates pagination: limit is at most 1000', async () => {
    const res = await api(cairn.url, 'GET', '/api/v1/projects?limit=1001', { token: INIT.CAIRN_INIT_API_KEY });
    expect(res.status).toBe(400);
    expect(res.json.error.fields).toEqual([{ path: 'query.limit', message: expect.any(String) }]);
    const page = await api(cairn.url, 'GET', '/api/v1/projects?limit=1&offset=1', { token: INIT.CAIRN_INIT_API_KEY });
    expect(page.json).toEqual({ data: [], meta: { pagination: { limit: 1, offset: 1, total: 1 } } });
  });

  it('tags every response with a request id', async () => {
    const res = await api(cairn.url, 'GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const generated = await api(cairn.url, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('OpenAPI and metrics', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await api(cairn.url, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    const setup = res.json.paths['/api/v1/setup'].post;
    expect(setup.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['email', 'password', 'orgName', 'projectName']),
    );
    const list = res.json.paths['/api/v1/projects'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'offset']));
    expect(list.responses['200'].content['application/json'].schema.properties.data.type).toBe('array');
  });

  it('exports Prometheus metrics with request latency by route template', async () => {
    await api(cairn.url, 'GET', '/api/v1/projects', { token: INIT.CAIRN_INIT_API_KEY });
    const res = await api(cairn.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/cairn_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/projects".*status="200"/);
    expect(res.text).toMatch(/cairn_process_resident_memory_bytes \d+/);
  });
});

describe('the UI', () => {
  it('serves the single-page app for UI paths with a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/setup', '/some/deep/page']) {
      const res = await fetch(cairn.url + path, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(await res.text()).toMatch(/<title>Cairn<\/title>|_app\/immutable/);
    }
  });

  it('answers unknown non-HTML requests with a JSON 404', async () => {
    const res = await api(cairn.url, 'GET', '/no/such/file.json', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });
});
