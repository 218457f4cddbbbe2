/**
 * What the capture gateway answers when it cannot accept a request. Codes are stable; the
 * gateway formats them like every other API error: `{ error: { code, message, fields? } }`.
 */
export const captureErrorStatus = {
  MALFORMED_BODY: 400,
  UNAUTHENTICATED: 401,
  ORG_SUSPENDED: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAVAILABLE: 503,
} as const;

export type CaptureErrorCode = keyof typeof captureErrorStatus;

/** Why a body could not be read, sent as `reason` beside the code. */
export type MalformedReason =
  | 'invalid_gzip'
  | 'invalid_base64'
  | 'invalid_lz64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'too_deep'
  | 'empty_body'
  | 'request_aborted';

export class CaptureError extends Error {
  readonly status: number;
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'CaptureError';
    this.status = captureErrorStatus[code];
  }

  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.reason ? { reason: this.reason } : {}) } };
  }
}

export const malformed = (reason: MalformedReason, message: string) => new CaptureError('MALFORMED_BODY', message, reason);
export const tooLarge = (message: string) => new CaptureError('PAYLOAD_TOO_LARGE', message);
