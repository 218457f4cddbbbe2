import type { Logger } from '../log.js';
import { BusUnavailableError, type IngestBus } from './bus.js';
import { CaptureError, tooLarge } from './capture.errors.js';
import type { DeadLetter, IngestEvent } from './event.js';
import { validateDraft, type Draft } from './event.validate.js';
import { MAX_EVENT_BYTES } from './body.decode.js';
import type { TokenResolver } from './project-token.resolve.js';
import type { EventWriter } from './writer.js';

export type Dialect = 'cairn' | 'posthog' | 'segment';

export interface Rejection {
  index: number;
  reason: string;
  detail: string;
}

export interface CaptureResult {
  accepted: number;
  rejected: Rejection[];
}

export interface CaptureRequest {
  dialect: Dialect;
  token: string | undefined;
  drafts: Draft[];
  /** Size of the decoded body: when it is under the per-event limit no event can be over it. */
  decodedBytes: number;
  receivedAt: Date;
}

export interface CaptureService {
  capture(req: CaptureRequest): Promise<CaptureResult>;
}

const rawText = (raw: unknown): string => {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
};

/**
 * The gateway's pipeline after decoding: token → project, per-event size, validation,
 * dead letters for the invalid items, the bus for the valid ones. Resolves only when both
 * are durable; rejects with CaptureError (401/403/413/503) otherwise.
 */
export function createCaptureService(deps: { tokens: TokenResolver; bus: IngestBus; writer: Pick<EventWriter, 'writeDeadLetters'>; log: Logger }): CaptureService {
  return {
    async capture(req) {
      if (!req.token) throw new CaptureError('UNAUTHENTICATED', 'no project token: send it as token/api_key (PostHog), writeKey (Segment) or Authorization: Bearer');
      let project;
      try {
        project = await deps.tokens.resolve(req.token);
      } catch (err) {
        deps.log.error({ err }, 'capture: project token lookup failed');
        throw new CaptureError('UNAVAILABLE', 'ingestion cannot check the project token right now; retry');
      }
      if (!project) throw new CaptureError('UNAUTHENTICATED', 'the project token is unknown');
      // Suspended and deleting organizations are read-only: they accept no new events.
      if (project.orgStatus !== 'active') throw new CaptureError('ORG_SUSPENDED', `the organization is ${project.orgStatus}`);

      if (req.decodedBytes > MAX_EVENT_BYTES) {
        for (const d of req.drafts) {
          if (Buffer.byteLength(rawText(d.raw)) > MAX_EVENT_BYTES) throw tooLarge(`an event exceeds ${MAX_EVENT_BYTES} bytes`);
        }
      }

      const ctx = { projectId: project.projectId, orgId: project.orgId, receivedAt: req.receivedAt };
      const events: IngestEvent[] = [];
      const rejected: Rejection[] = [];
      const dead: DeadLetter[] = [];
      req.drafts.forEach((d, index) => {
        const v = validateDraft(d, ctx);
        if (v.ok) events.push(v.event);
        else {
          rejected.push({ index, reason: v.reason, detail: v.detail });
          dead.push({
            projectId: project.projectId,
            orgId: project.orgId,
            receivedAt: req.receivedAt.toISOString(),
            reason: v.reason,
            detail: v.detail,
            payload: rawText(d.raw),
            source: req.dialect,
          });
        }
      });

      const [published, deadWritten] = await Promise.allSettled([
        deps.bus.publish(events),
        dead.length > 0 ? deps.writer.writeDeadLetters(dead) : Promise.resolve(),
      ]);
      for (const r of [published, deadWritten]) {
        if (r.status === 'rejected') {
          if (!(r.reason instanceof BusUnavailableError)) deps.log.error({ err: r.reason }, 'capture: write failed');
          throw new CaptureError('UNAVAILABLE', 'ingestion cannot accept events right now; retry');
        }
      }
      return { accepted: events.length, rejected };
    },
  };
}
