/** Stable error codes and the HTTP status each maps to. Clients match on the code. */
export const errorStatus = {
  VALIDATION_ERROR: 400,
  MALFORMED_BODY: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  ORG_SUSPENDED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** A query needed more memory than CAIRN_QUERY_MAX_MEMORY_BYTES allows. */
  QUERY_MEMORY_LIMIT: 422,
  /** A query ran longer than CAIRN_QUERY_TIMEOUT_MS. */
  QUERY_TIMEOUT: 504,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  path: string;
  message: string;
}

/** An expected failure with a stable code; anything else reaching the error middleware is a bug. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }

  toBody() {
    return {
      error: { code: this.code, message: this.message, ...(this.fields.length ? { fields: this.fields } : {}) },
    };
  }
}

export const appError = (code: ErrorCode, message: string, fields: FieldError[] = [], headers: Record<string, string> = {}) =>
  new AppError(code, message, fields, headers);

export const notFound = (what = 'resource') => appError('NOT_FOUND', `${what} not found`);

/** Turns zod issues into our `fields` list, prefixing where the value came from (body, query, params). */
export function validationError(
  source: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): AppError {
  const fields = issues.map((i) => ({
    path: [source, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = fields[0];
  return appError('VALIDATION_ERROR', first ? `${first.path}: ${first.message}` : 'invalid request', fields);
}
