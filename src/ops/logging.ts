import type { FastifyRequest } from 'fastify';

const CENSOR = '[redacted]';

// Query parameters whose values are credentials or capabilities; masked in logged URLs.
const SECRET_PARAM = /([?&](?:token|key|api_key|apikey|secret|password|signature|code_verifier|session)=)[^&#]*/gi;

/** A URL as it may appear in a log: the path, and the query with secret-looking values masked. */
export function loggableUrl(url: string): string {
  return url.replace(SECRET_PARAM, `$1${CENSOR}`);
}

/**
 * Fastify's logger: JSON lines (pino), every request-scoped line with `reqId`. Credentials never
 * reach it: requests are logged as method, route and URL only (no headers, no body), and these
 * paths are censored wherever an object carrying them is logged (an error with its request, a
 * provider's answer, a configuration object).
 */
export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      censor: CENSOR,
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-twilio-signature"]',
        'req.headers["svix-signature"]',
        'req.headers["x-rewardloop-signature"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        '*.headers.authorization',
        '*.headers.cookie',
        'password',
        'token',
        'secret',
        'apiKey',
        'key',
        '*.password',
        '*.token',
        '*.secret',
        '*.signingSecret',
        '*.apiKey',
        '*.authToken',
      ],
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: loggableUrl(request.url),
          route: request.routeOptions?.url,
          remoteAddress: request.ip,
        };
      },
    },
  };
}
