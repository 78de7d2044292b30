import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from '../http/problem.js';
import { AppError } from '../shared/errors.js';
import { collectProcessMetrics, httpDuration, type OpsDeps, refreshDatabaseGauges, registry } from './metrics.js';
import { checkReadiness } from './readiness.js';

export interface OpsOptions {
  /** When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  metricsToken?: string | undefined;
  /** The embedded store's backup token (see backup.ts); without one there is no /ops/backup. */
  backupToken?: string | undefined;
  /** True once shutdown began: /readyz turns 503 so a load balancer stops sending traffic. */
  stopping?: () => boolean;
}

/** Compares a presented bearer token with the expected one in constant time (over their hashes). */
function bearerMatches(request: FastifyRequest, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(expected));
}

/** A caller on this machine: loopback, or connected to one of our addresses from that address. */
function fromThisHost(request: FastifyRequest): boolean {
  // The socket's own peer, not request.ip: a proxy header cannot make a remote caller local.
  const { remoteAddress = '', localAddress } = request.socket;
  return (
    remoteAddress === '::1' ||
    remoteAddress.startsWith('127.') ||
    remoteAddress.startsWith('::ffff:127.') ||
    remoteAddress === localAddress
  );
}

/**
 * Readiness, metrics and the embedded store's backup. Registered on the root instance (not as
 * an encapsulated plugin) so the request-duration hook sees every route.
 */
export function registerOps(app: FastifyInstance, deps: OpsDeps, options: OpsOptions) {
  collectProcessMetrics();
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern (`/v1/rewards/:id`), never the raw URL: one series per route, not per id.
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/readyz', {
    schema: {
      tags: ['Service'],
      summary: 'Readiness: the database answers and every migration is applied (503 otherwise)',
      security: [],
    },
    handler: async (request, reply) => {
      const readiness = options.stopping?.()
        ? ({ ready: false, reason: 'shutting_down', detail: 'The server is shutting down.' } as const)
        : await checkReadiness(deps.database.db);
      if (!readiness.ready) {
        return sendProblem(
          request,
          reply,
          new AppError('unavailable', `Not ready: ${readiness.detail}`, { details: { reason: readiness.reason } }),
        );
      }
      return { status: 'ready', database: deps.database.kind, migrations: readiness.migrations };
    },
  });

  app.get('/metrics', {
    schema: { hide: true },
    handler: async (request, reply) => {
      if (options.metricsToken && !bearerMatches(request, options.metricsToken)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        return sendProblem(
          request,
          reply,
          new AppError('unauthorized', 'Send the METRICS_TOKEN as `Authorization: Bearer <token>`.', {
            field: 'authorization',
          }),
        );
      }
      await refreshDatabaseGauges(deps.database, deps.clock.now());
      reply.type(registry.contentType);
      return registry.metrics();
    },
  });

  const { backupToken } = options;
  const dump = deps.database.dumpDataDir?.bind(deps.database);
  if (backupToken && dump) {
    // Only the local CLI calls this: it read the token from the data folder, so whoever can use it
    // could already read the database's files. A token copied elsewhere is useless off this host.
    app.get('/ops/backup', {
      schema: { hide: true },
      handler: async (request, reply) => {
        if (!fromThisHost(request) || !bearerMatches(request, backupToken)) {
          return sendProblem(
            request,
            reply,
            new AppError('unauthorized', 'Backups are taken with `rewardloop backup` on the server’s own host.'),
          );
        }
        const startedAt = Date.now();
        const archive = Buffer.from(await (await dump()).arrayBuffer());
        request.log.info({ bytes: archive.length, ms: Date.now() - startedAt }, 'backup taken');
        return reply
          .type('application/gzip')
          .header('content-disposition', 'attachment; filename="rewardloop-backup.tar.gz"')
          .header('content-length', archive.length)
          .send(archive);
      },
    });
  }
}
