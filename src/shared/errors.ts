/**
 * The one error type. Every failure a client can cause, or that a caller must handle, is an
 * AppError with a code from this closed list; the HTTP layer maps the code to a status in one
 * place. `message` is what a user may read; `internal` is for logs only.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  already_exists: 409,
  idempotency_key_reused: 409,
  idempotency_in_progress: 409,
  conversion_mismatch: 409,
  duplicate_claim: 409,
  hold_period_active: 409,
  flags_unresolved: 409,
  maker_checker: 409,
  already_approved: 409,
  milestone_unsettled: 409,
  stale_review: 409,
  dispute_open: 409,
  insufficient_credit: 409,
  already_redeemed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  self_referral: 422,
  rate_limited: 429,
  store_in_use: 423,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  /** The request field the problem is about (dotted path, e.g. `tiers.1.amount`). */
  field?: string;
  /** Every field problem, when there are several. */
  errors?: FieldError[];
  /** Extra machine-readable facts for the client (e.g. the hold period's end). */
  details?: Record<string, unknown>;
  /** Never shown to a client. */
  internal?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly internal: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options.field ?? options.errors?.[0]?.field;
    this.errors = options.errors;
    this.details = options.details;
    this.internal = options.internal;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function notFound(what: string, field?: string): AppError {
  return new AppError('not_found', `${what} not found.`, field === undefined ? {} : { field });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
