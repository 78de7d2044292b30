import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { constraintName, sqlState } from '../db/client.js';
import { AppError, ERROR_STATUS, type ErrorCode, type FieldError } from '../shared/errors.js';

/**
 * The one error handler: every failure leaves as RFC 9457 problem+json with a stable `code`.
 * Client mistakes are 4xx and name the field; anything unexpected is a 500 that says nothing
 * about internals (the log has them, under the request id).
 */
const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'The request is not valid',
  malformed_json: 'The body is not valid JSON',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed for your role',
  not_found: 'Not found',
  invalid_transition: 'Not possible in the current state',
  already_exists: 'Already exists',
  idempotency_key_reused: 'Idempotency key reused with a different request',
  idempotency_in_progress: 'A request with this idempotency key is in progress',
  conversion_mismatch: 'This event was already received with different data',
  duplicate_claim: 'Duplicate claim',
  hold_period_active: 'The hold period has not passed',
  flags_unresolved: 'Flags must be resolved first',
  maker_checker: 'Someone else must do this (maker-checker)',
  already_approved: 'Already approved by you',
  milestone_unsettled: 'Bonus waits for its referrals',
  stale_review: 'The claim changed since you looked at it',
  dispute_open: 'Attribution is disputed',
  insufficient_credit: 'Not enough credit',
  already_redeemed: 'Already redeemed',
  payload_too_large: 'The body is too large',
  unsupported_media_type: 'Unsupported content type',
  unprocessable: 'The request cannot be processed',
  self_referral: 'Self-referral',
  rate_limited: 'Too many requests',
  store_in_use: 'The database is in use',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  field?: string;
  errors?: FieldError[];
  requestId?: string;
  [extra: string]: unknown;
}

export function problemFrom(error: AppError, requestId?: string, instance?: string): Problem {
  // Extra details first: the standard members below always win over a same-named detail.
  return {
    ...(error.details ?? {}),
    type: `urn:rewardloop:problem:${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

function fieldPath(context: string | undefined, instancePath: string, params: Record<string, unknown>): string[] {
  const segments = instancePath.replace(/^\//, '').split('/').filter(Boolean);
  // Query parameters are flat: `status=paid,sent` is about `status`, whichever item is wrong.
  const base = (context === 'querystring' ? segments.slice(0, 1) : segments).join('.');
  const keys = Array.isArray(params.keys) ? (params.keys as string[]) : [];
  if (keys.length > 0) return keys.map((key) => (base ? `${base}.${key}` : key));
  return [base || (context === 'body' ? 'body' : (context ?? 'request'))];
}

/** Translate whatever was thrown into an AppError a client may see. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const errors: FieldError[] = [];
    for (const issue of fastifyError.validation) {
      const params = (issue.params ?? {}) as Record<string, unknown>;
      const unknownKeys = Array.isArray(params.keys) && issue.keyword === 'unrecognized_keys';
      for (const field of fieldPath(fastifyError.validationContext, issue.instancePath, params)) {
        errors.push({ field, message: unknownKeys ? 'Is not a known field.' : (issue.message ?? 'Is not valid.') });
      }
    }
    const first = errors[0];
    const where = fastifyError.validationContext === 'querystring' ? 'query parameter' : 'field';
    return new AppError(
      'validation_failed',
      first ? `The ${where} \`${first.field}\`: ${first.message}` : 'The request is not valid.',
      { errors },
    );
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('malformed_json', 'The body is not valid JSON.', { field: 'body' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('validation_failed', 'The body is empty; send a JSON object.', { field: 'body' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The body is larger than 1 MiB.', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.', { field: 'content-type' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('validation_failed', 'The Content-Length header does not match the body.', {
        field: 'content-length',
      });
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new AppError('malformed_json', 'The body is not valid JSON.', { field: 'body' });
  }
  // Safety net: a value the validation let through but the database refuses is still the
  // client's input, never a 5xx. (Validation should catch these first; logs say when it did not.)
  const state = sqlState(error);
  if (state === '23505') {
    return new AppError('already_exists', 'This conflicts with an existing record.', {
      internal: constraintName(error),
    });
  }
  if (state === 'RL409') {
    return new AppError('invalid_transition', 'That change is not possible in the current state.', {
      internal: String((error as Error).message),
    });
  }
  if (state && /^22/.test(state)) {
    return new AppError('validation_failed', 'A value in the request is out of range or not valid.', {
      internal: String((error as Error).message),
    });
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code = (Object.entries(ERROR_STATUS).find(([, status]) => status === fastifyError.statusCode)?.[0] ??
      'validation_failed') as ErrorCode;
    return new AppError(code, fastifyError.message);
  }
  return new AppError('internal', 'Something went wrong on our side. The request id helps us find it.', {
    cause: error,
  });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    request.log.error({ err: appError.cause ?? error }, 'request failed');
  } else if (appError.internal) {
    request.log.warn({ code: appError.code, internal: appError.internal }, 'client error caught by the database');
  }
  if (appError.code === 'rate_limited' && appError.details?.retryAfterSeconds) {
    reply.header('retry-after', String(appError.details.retryAfterSeconds));
  }
  return reply
    .status(appError.status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send(problemFrom(appError, request.id, request.url.split('?')[0]));
}
