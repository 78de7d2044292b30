import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Permission } from './access/index.js';
import { accessRoutes, registerAuth } from './access/index.js';
import { approvalRoutes } from './approvals/index.js';
import { auditRoutes } from './audit/index.js';
import { conversionRoutes, linkAwaitingConversions } from './conversions/index.js';
import { correctionRoutes } from './corrections/index.js';
import { creditRoutes } from './credits/index.js';
import type { Database } from './db/client.js';
import type { Deps } from './deps.js';
import { discountCodePoolRoutes, discountCodeRoutes } from './discount-codes/index.js';
import { disputeRoutes } from './disputes/index.js';
import { exportRoutes } from './exports/index.js';
import { registerIdempotency } from './http/idempotency.js';
import { withProblemResponses } from './http/openapi-errors.js';
import { sendProblem } from './http/problem.js';
import { requestLimiter } from './http/rate-limit.js';
import { docsContentSecurityPolicy, securityHeaders } from './http/security-headers.js';
import { importRoutes } from './imports/index.js';
import { integrationRoutes, integrationWebhookRoutes } from './integrations/index.js';
import { jobRoutes } from './jobs/index.js';
import { leaderboardRoutes } from './leaderboard/index.js';
import { messagingRoutes, type WebhookSecrets, webhookRoutes } from './messaging/index.js';
import { loggerOptions, type OpsOptions, registerOps } from './ops/index.js';
import { participantRoutes } from './participants/index.js';
import { exceptionRoutes } from './partners/index.js';
import { payoutBatchRoutes, taxRoutes } from './payouts/index.js';
import { policyRoutes } from './policy/index.js';
import { landingRoutes, referralRoutes } from './referrals/index.js';
import { referrerPageRoutes } from './referrer-page/index.js';
import { dashboardRoutes, reportRoutes } from './reports/index.js';
import { installAllRewardEffects } from './reward-effects.js';
import { PAYEE_DETAILS, recoveryRoutes, reviewClaimsAfterPayeeEdit, rewardRoutes } from './rewards/index.js';
import { ratingPageRoutes, satisfactionRoutes } from './satisfaction/index.js';
import type { Clock } from './shared/clock.js';
import { AppError } from './shared/errors.js';
import { packageRoot, webDistFolder } from './shared/paths.js';
import { webhookEndpointRoutes } from './webhooks/index.js';
import { workspaceRoutes } from './workspaces/index.js';

export const BODY_LIMIT = 1024 * 1024;

export interface RouteInfo {
  method: string;
  url: string;
  permission: Permission | undefined;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalog: RouteInfo[];
  }
}

export interface AppOptions {
  database: Database;
  clock: Clock;
  publicUrl: string;
  logLevel?: string;
  rateLimitPerMinute?: number;
  /** Extra status lines for /healthz (e.g. which message providers are configured). */
  health?: () => Promise<Record<string, unknown>>;
  /** /readyz, /metrics (METRICS_TOKEN) and the embedded store's backup endpoint. */
  ops?: OpsOptions;
  webhookSecrets?: WebhookSecrets;
  /** Encrypts integration secrets at rest (see secret-key.ts); without it integrations cannot be set up. */
  secretKey?: Buffer | undefined;
  /** Fastify's trustProxy: the proxy's address(es) or hop count, from TRUST_PROXY. */
  trustProxy?: boolean | string | number;
}

const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const deps: Deps = { db: options.database.db, clock: options.clock, publicUrl: options.publicUrl };
  installAllRewardEffects();
  const app = Fastify({
    logger: loggerOptions(options.logLevel ?? 'info'),
    bodyLimit: BODY_LIMIT,
    genReqId: () => `req_${randomBytes(8).toString('hex')}`,
    requestIdHeader: false,
    // Only a known proxy may say who the client is; otherwise anyone could pick their own IP
    // (and so their rate limit and their click evidence) with X-Forwarded-For.
    // (A hop count is valid at runtime; Fastify's types only list strings and booleans.)
    trustProxy: (options.trustProxy ?? false) as boolean,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    // Errors raised before a route is found (URL too long, bad encoding) are problems too.
    frameworkErrors: (error, request, reply) => {
      sendProblem(
        request,
        reply,
        new AppError('validation_failed', `The URL is not valid: ${error.message}`, { field: 'url' }),
      );
    },
  });
  // The route table with each route's permission, for the role-matrix tests and the docs.
  const routeCatalog: RouteInfo[] = [];
  app.decorate('routeCatalog', routeCatalog);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeCatalog.push({
        method,
        url: route.url,
        permission: route.config?.permission,
        public: route.config?.public === true,
      });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method === 'GET' && !path.startsWith('/v1/') && existsSync(join(webDistFolder, 'index.html'))) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html', webDistFolder);
    }
    return sendProblem(request, reply, new AppError('not_found', `No route ${request.method} ${path}.`));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, securityHeaders(options.publicUrl));
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rewardloop API',
        version,
        description:
          'Referral reward processing: conversions become reward claims with the amount worked out, checked, approved by a person, marked sent and thanked. ' +
          'JSON in camelCase; money in integer minor units with an ISO 4217 currency; errors are RFC 9457 problem+json with a stable `code`; ' +
          'every POST accepts an `Idempotency-Key` header.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `rewardloop keys create`.' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => withProblemResponses(jsonSchemaTransformObject(input), routeCatalog),
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    transformStaticCSP: docsContentSecurityPolicy,
  });

  registerAuth(app, deps, {
    publicUrl: options.publicUrl,
    rateLimit: requestLimiter(options.rateLimitPerMinute ?? 0),
  });
  registerIdempotency(app, deps);

  registerOps(app, { database: options.database, clock: options.clock }, options.ops ?? {});
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', {
    schema: { tags: ['Service'], summary: 'Liveness and what this process is connected to', security: [] },
    handler: async () => {
      await deps.db.execute('select 1');
      return {
        status: 'ok',
        version,
        database: options.database.kind,
        ...(options.health ? await options.health() : {}),
      };
    },
  });
  r.get('/openapi.json', { schema: { hide: true }, handler: async () => app.swagger() });

  await app.register(accessRoutes(deps, { secureCookies: options.publicUrl.startsWith('https://') }));
  await app.register(policyRoutes(deps));
  await app.register(
    participantRoutes(deps, {
      linkAwaitingConversions,
      payeeDetailsChanged: reviewClaimsAfterPayeeEdit,
      payeeDetails: PAYEE_DETAILS,
    }),
  );
  await app.register(referralRoutes(deps));
  await app.register(conversionRoutes(deps));
  await app.register(jobRoutes(deps));
  await app.register(correctionRoutes(deps));
  await app.register(leaderboardRoutes(deps));
  await app.register(referrerPageRoutes(deps));
  await app.register(ratingPageRoutes(deps));
  await app.register(satisfactionRoutes(deps));
  await app.register(rewardRoutes(deps));
  await app.register(disputeRoutes(deps));
  await app.register(exceptionRoutes(deps));
  await app.register(approvalRoutes(deps));
  await app.register(recoveryRoutes(deps));
  await app.register(reportRoutes(deps));
  await app.register(dashboardRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(landingRoutes(deps));
  await app.register(messagingRoutes(deps));
  await app.register(workspaceRoutes(deps));
  await app.register(webhookEndpointRoutes(deps, options.secretKey));
  await app.register(exportRoutes(deps));
  await app.register(payoutBatchRoutes(deps));
  await app.register(taxRoutes(deps));
  await app.register(creditRoutes(deps));
  await app.register(discountCodeRoutes(deps));
  await app.register(discountCodePoolRoutes(deps));
  await app.register(importRoutes(deps, { linkAwaitingConversions }));
  const integrationDeps = {
    ...deps,
    secretKey: options.secretKey,
    participantHooks: {
      linkAwaitingConversions,
      payeeDetailsChanged: reviewClaimsAfterPayeeEdit,
      payeeDetails: PAYEE_DETAILS,
    },
  };
  await app.register(integrationRoutes(integrationDeps));
  await app.register(integrationWebhookRoutes(integrationDeps));
  await app.register(
    webhookRoutes(deps, options.webhookSecrets ?? { twilioAuthTokens: undefined, resendWebhookSecrets: undefined }),
  );

  if (existsSync(webDistFolder)) {
    await app.register(fastifyStatic, { root: webDistFolder, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  return app;
}
