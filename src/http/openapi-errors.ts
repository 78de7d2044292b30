import { ERROR_STATUS, type ErrorCode } from '../shared/errors.js';

/**
 * Every `/v1` operation documents the problem+json answers it can really give, from one shared
 * `Problem` schema, so a generated client knows the error shape. Which answers a route can give
 * follows from how it is guarded, not from a hand-kept list per route:
 *   400 any input (body, query or path) is validated;  401 and 429 always (a caller is needed,
 *   every request is counted);  403 it needs more than read access, or writes (a cookie write
 *   from another origin);  404 it names an object by id, or writes (a body names objects);
 *   409 and 422 it changes state (transitions, Idempotency-Key reuse, program rules);  413 it
 *   takes a body;  415 its body is not JSON (CSV imports).
 */
const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable; `field` names the input at fault.',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', examples: ['urn:rewardloop:problem:validation_failed'] },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    detail: { type: 'string', description: 'What went wrong, in words a person can read.' },
    instance: { type: 'string' },
    field: { type: 'string', description: 'The request field at fault (dotted path), when there is one.' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requestId: { type: 'string' },
  },
  additionalProperties: true,
} as const;

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (the `field` says which part)',
  401: 'Authentication required',
  403: 'Not allowed for your role',
  404: 'Not found in your workspace',
  409: 'Not possible in the current state, or an Idempotency-Key reused with another body',
  413: 'The body is too large',
  415: 'The body is not in the content type this operation takes',
  422: 'The request breaks a rule of the program',
  429: 'Too many requests (see Retry-After)',
};

/** The codes each documented status can carry, so a client sees the closed list. */
function codesFor(status: number): ErrorCode[] {
  return (Object.entries(ERROR_STATUS) as [ErrorCode, number][])
    .filter(([, code]) => code === status)
    .map(([code]) => code);
}

export interface RouteGuard {
  method: string;
  url: string;
  permission?: string | undefined;
  public: boolean;
}

interface Operation {
  parameters?: { in: string }[];
  requestBody?: { content?: Record<string, unknown> };
  security?: unknown[];
  responses?: Record<string, unknown>;
}

type Document = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};

/** `/v1/rewards/:id` (Fastify) and `/v1/rewards/{id}` (OpenAPI) name the same route. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function errorStatusesFor(operation: Operation, method: string, guard: RouteGuard | undefined): number[] {
  const writes = !['get', 'head', 'options'].includes(method);
  const hasInput = !!operation.requestBody || (operation.parameters ?? []).length > 0;
  const byId = (operation.parameters ?? []).some((parameter) => parameter.in === 'path');
  // Every /v1 request is rate-limited and needs a caller (the public sign-in answers 401 to a
  // wrong password); writes name other objects in their bodies, so they can miss (404) too.
  const statuses = new Set<number>([401, 429]);
  if (hasInput || writes) statuses.add(400);
  if (writes || (guard?.permission && guard.permission !== 'read')) statuses.add(403);
  if (byId || writes) statuses.add(404);
  if (writes) {
    statuses.add(409);
    statuses.add(413);
    statuses.add(422);
  }
  // A body other than JSON (a CSV import): a JSON one, or any other type, is refused as such.
  const types = Object.keys(operation.requestBody?.content ?? {});
  if (types.length > 0 && !types.includes('application/json')) statuses.add(415);
  return [...statuses].sort();
}

/** Adds the `Problem` component and each `/v1` operation's error answers to the document. */
export function withProblemResponses<T>(document: T, routes: RouteGuard[]): T {
  const doc = document as Document;
  doc.components ??= {};
  doc.components.schemas ??= {};
  doc.components.schemas.Problem = PROBLEM_SCHEMA;
  const guards = new Map(routes.map((route) => [`${route.method.toLowerCase()} ${openApiPath(route.url)}`, route]));
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      operation.responses ??= {};
      for (const status of errorStatusesFor(operation, method, guards.get(`${method} ${path}`))) {
        if (operation.responses[String(status)]) continue;
        operation.responses[String(status)] = {
          description: `${DESCRIPTIONS[status] ?? 'Error'} (codes: ${codesFor(status).join(', ')})`,
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        };
      }
    }
  }
  return document;
}
