import express, { type Router } from 'express';
import { CAIRN_CAPTURE_PATH } from './capture.router.js';

const eventSchema = {
  type: 'object',
  required: ['event', 'distinct_id'],
  properties: {
    event: { type: 'string', maxLength: 200 },
    distinct_id: { type: ['string', 'number'], description: 'Stringified, trimmed to 200 characters.' },
    properties: { type: 'object', additionalProperties: true },
    timestamp: { type: ['string', 'number'], description: 'ISO 8601 or epoch milliseconds; default: time of receipt. More than 23 h ahead is clamped to receipt time.' },
    uuid: { type: 'string', format: 'uuid', description: 'Deduplication key; generated when absent.' },
    $set: { type: 'object', additionalProperties: true },
    $set_once: { type: 'object', additionalProperties: true },
  },
};

/** The capture endpoint is a router (gzip and 20 MB bodies, project-token auth), so its OpenAPI entry is written here. */
export const captureOperation = {
  post: {
    summary: 'Capture one event or a batch of events',
    description:
      'Public. Authenticated by the project token in the body (`token` / `api_key`) or `Authorization: Bearer <project token>`. ' +
      'Bodies may be gzip-compressed (Content-Encoding or magic bytes), up to 20 MB decoded and 1 MB per event. ' +
      'Invalid events are kept in the dead-letter table and reported in `errors`; the valid ones are stored. ' +
      'The answer comes only after the events are durable. PostHog (`/e`, `/batch`, …) and Segment (`/v1/*`) wire formats are served at the root.',
    tags: ['ingestion'],
    operationId: 'postApiV1Capture',
    security: [],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { allOf: [eventSchema, { type: 'object', properties: { token: { type: 'string' }, api_key: { type: 'string' } } }] },
              {
                type: 'object',
                required: ['batch'],
                properties: { token: { type: 'string' }, api_key: { type: 'string' }, sent_at: { type: 'string' }, batch: { type: 'array', items: eventSchema } },
              },
            ],
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'Accepted (all valid events are durable)',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['data'],
              properties: {
                data: {
                  type: 'object',
                  required: ['accepted', 'rejected', 'errors'],
                  properties: {
                    accepted: { type: 'integer' },
                    rejected: { type: 'integer' },
                    errors: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['index', 'reason', 'detail'],
                        properties: {
                          index: { type: 'integer' },
                          reason: { type: 'string', enum: ['missing_event', 'invalid_event', 'missing_distinct_id', 'invalid_distinct_id', 'invalid_timestamp', 'invalid_properties'] },
                          detail: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      '400': { description: 'MALFORMED_BODY: unreadable body (reason: invalid_json, invalid_gzip, invalid_utf8, too_deep, …) or every event rejected' },
      '401': { description: 'UNAUTHENTICATED: missing or unknown project token' },
      '403': { description: 'ORG_SUSPENDED: the organization is suspended or being deleted' },
      '413': { description: 'PAYLOAD_TOO_LARGE: request over 20 MB (decoded) or an event over 1 MB' },
      '503': { description: 'UNAVAILABLE: ingestion cannot write right now; retry (Retry-After)' },
      default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};

/** Adds the capture operation to the generated OpenAPI document as it is served. */
export function captureOpenApiRouter(): Router {
  const router = express.Router();
  router.get('/', (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (doc: unknown) => {
      const d = doc as { paths?: Record<string, unknown> } | undefined;
      if (d?.paths && !d.paths[CAIRN_CAPTURE_PATH]) d.paths = { ...d.paths, [CAIRN_CAPTURE_PATH]: captureOperation };
      return json(doc);
    };
    next();
  });
  return router;
}
