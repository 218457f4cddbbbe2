import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError, type IngestBus } from './bus.js';
import { CaptureError } from './capture.errors.js';
import { createCaptureService, type CaptureRequest } from './capture.service.js';
import type { DeadLetter, IngestEvent } from './event.js';
import type { TokenResolver } from './project-token.resolve.js';

const projects: Record<string, { projectId: string; orgId: string; orgStatus: string }> = {
  good: { projectId: '00000000-0000-4000-8000-000000000001', orgId: 'o1', orgStatus: 'active' },
  frozen: { projectId: '00000000-0000-4000-8000-000000000002', orgId: 'o2', orgStatus: 'suspended' },
  leaving: { projectId: '00000000-0000-4000-8000-000000000003', orgId: 'o3', orgStatus: 'deleting' },
};
const tokens: TokenResolver = { resolve: async (t) => projects[t] };

function setup(opts: { busFails?: boolean } = {}) {
  const published: IngestEvent[] = [];
  const dead: DeadLetter[] = [];
  const bus: IngestBus = {
    start: async () => {},
    stop: async () => {},
    publish: async (events) => {
      if (opts.busFails) throw new BusUnavailableError('down');
      published.push(...events);
    },
  };
  const service = createCaptureService({ tokens, bus, writer: { writeDeadLetters: async (rows) => void dead.push(...rows) }, log: pino({ level: 'silent' }) });
  return { service, published, dead };
}

const req = (extra: Partial<CaptureRequest>): CaptureRequest => ({
  dialect: 'posthog',
  token: 'good',
  drafts: [{ raw: { event: 'e', distinct_id: 'd' }, event: 'e', distinctId: 'd' }],
  decodedBytes: 100,
  receivedAt: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof CaptureError ? err.code : String(err);
  }
};

describe('createCaptureService', () => {
  it('publishes valid events with the project of the token', async () => {
    const { service, published } = setup();
    expect(await service.capture(req({}))).toEqual({ accepted: 1, rejected: [] });
    expect(published[0]).toMatchObject({ projectId: projects.good!.projectId, orgId: 'o1', event: 'e', distinctId: 'd' });
  });

  it('refuses missing/unknown tokens, suspended and deleting organizations, and oversized events', async () => {
    const { service } = setup();
    expect(await code(service.capture(req({ token: undefined })))).toBe('UNAUTHENTICATED');
    expect(await code(service.capture(req({ token: 'nope' })))).toBe('UNAUTHENTICATED');
    expect(await code(service.capture(req({ token: 'frozen' })))).toBe('ORG_SUSPENDED');
    expect(await code(service.capture(req({ token: 'leaving' })))).toBe('ORG_SUSPENDED');
    const big = { event: 'e', distinct_id: 'd', properties: { x: 'y'.repeat(1_100_000) } };
    expect(await code(service.capture(req({ drafts: [{ raw: big, event: 'e', distinctId: 'd' }], decodedBytes: 1_200_000 })))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('dead-letters invalid drafts with their reason and raw payload, keeping the valid ones', async () => {
    const { service, published, dead } = setup();
    const result = await service.capture(
      req({ dialect: 'segment', drafts: [{ raw: { userId: 'u' }, event: undefined, distinctId: 'u' }, { raw: { event: 'ok' }, event: 'ok', distinctId: 'u' }] }),
    );
    expect(result).toEqual({ accepted: 1, rejected: [{ index: 0, reason: 'missing_event', detail: 'the event has no name' }] });
    expect(published).toHaveLength(1);
    expect(dead).toEqual([
      expect.objectContaining({ projectId: projects.good!.projectId, orgId: 'o1', reason: 'missing_event', payload: '{"userId":"u"}', source: 'segment' }),
    ]);
  });

  it('answers UNAVAILABLE when the token cannot be checked', async () => {
    const service = createCaptureService({
      tokens: { resolve: async () => Promise.reject(new Error('connection refused')) },
      bus: { start: async () => {}, stop: async () => {}, publish: async () => {} },
      writer: { writeDeadLetters: async () => {} },
      log: pino({ level: 'silent' }),
    });
    expect(await code(service.capture(req({})))).toBe('UNAVAILABLE');
  });

  it('answers UNAVAILABLE when the bus cannot write', async () => {
    const { service } = setup({ busFails: true });
    expect(await code(service.capture(req({})))).toBe('UNAVAILABLE');
  });
});
