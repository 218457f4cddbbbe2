import { z } from 'zod';
import { errorStatus } from './errors.js';
import type { RouteDef } from './route.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(errorStatus) },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

const paginationSchema = {
  type: 'object',
  required: ['limit', 'offset', 'total'],
  properties: { limit: { type: 'integer' }, offset: { type: 'integer' }, total: { type: 'integer' } },
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const describeAccess = (r: RouteDef) =>
  r.access.kind === 'public'
    ? 'Public.'
    : r.access.kind === 'org' || r.access.kind === 'project'
      ? `Requires role \`${r.access.role}\` in the ${r.access.kind === 'org' ? 'organization' : "project's organization"}.`
      : r.access.kind === 'instanceAdmin'
        ? 'Requires an instance administrator.'
        : 'Requires a signed-in user.';

/** The OpenAPI 3.1 document, generated from the very zod schemas that validate requests. */
export function buildOpenApi(routes: RouteDef[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = '/api/v1' + r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const item = (paths[p] ??= {});
    const success = r.response
      ? r.list
        ? {
            type: 'object',
            required: ['data', 'meta'],
            properties: {
              data: { type: 'array', items: jsonSchema(r.response, 'output') },
              meta: { type: 'object', properties: { pagination: paginationSchema } },
            },
          }
        : { type: 'object', required: ['data'], properties: { data: jsonSchema(r.response, 'output') } }
      : undefined;
    const status = String(r.status ?? 200);
    item[r.method] = {
      summary: r.summary,
      description: describeAccess(r),
      tags: r.tags,
      operationId: `${r.method}${p.replace(/[{}]/g, '').replace(/(^|[/_-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      parameters: [
        ...parameters(r.params, 'path'),
        ...parameters(r.query, 'query'),
        ...(r.list
          ? [
              { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
              { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
            ]
          : []),
      ],
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      security: r.access.kind === 'public' ? [] : [{ bearer: [] }, { session: [] }],
      responses: {
        [status]: success ? { description: 'OK', content: { 'application/json': { schema: success } } } : { description: 'OK' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Cairn API', version, license: { name: 'Apache-2.0' } },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API key' },
        session: { type: 'apiKey', in: 'cookie', name: 'cairn_session' },
      },
    },
  };
}
