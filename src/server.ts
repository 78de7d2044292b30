import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createDispatcher } from './messaging/dispatcher.js';
import { outboxHealth } from './messaging/outbox-status.repo.js';
import { describeProviders, providersFromConfig } from './messaging/providers/index.js';
import { openConfiguredDatabase, prepareFirstRun } from './runtime.js';
import { createScheduler } from './scheduler.js';
import { systemClock } from './shared/clock.js';

export async function serve(config: Config) {
  const database = await openConfiguredDatabase(config, 'rewardloop serve');
  const firstRun = await prepareFirstRun(database);
  const providers = providersFromConfig(config);
  const messaging = describeProviders(config, providers);
  const app = await buildApp({
    database,
    clock: systemClock,
    publicUrl: config.publicUrl,
    logLevel: config.logLevel,
    rateLimitPerMinute: config.rateLimitPerMinute,
    trustProxy: config.trustProxy,
    webhookSecrets: { twilioAuthTokens: config.sms.authToken, resendWebhookSecrets: config.email.resendWebhookSecret },
    health: async () => ({
      workers: config.workers,
      messaging: { ...messaging, outbox: await outboxHealth(database.db) },
    }),
  });
  const dispatcher = createDispatcher({
    db: database.db,
    clock: systemClock,
    publicUrl: config.publicUrl,
    providers,
    leaseMs: config.dispatchLeaseSeconds * 1000,
    logger: app.log,
  });
  const scheduler = createScheduler({
    db: database.db,
    clock: systemClock,
    publicUrl: config.publicUrl,
    logger: app.log,
  });
  await app.listen({ port: config.port, host: config.host });
  if (config.workers) {
    dispatcher.start(config.dispatchIntervalMs);
    scheduler.start();
  }
  const where =
    database.kind === 'pglite' ? `embedded PostgreSQL in ${database.location}` : `PostgreSQL at ${database.location}`;
  const lines = [
    '',
    `Rewardloop is running at ${config.publicUrl}`,
    `  database: ${where}`,
    `  API docs: ${config.publicUrl}/docs  (OpenAPI: ${config.publicUrl}/openapi.json)`,
    `  email: ${messaging.email}`,
    `  SMS:   ${messaging.sms}`,
  ];
  if (firstRun) {
    lines.push(
      '',
      `First start: created workspace "${firstRun.workspaceName}".`,
      `  Web app sign-in: ${firstRun.ownerEmail} / ${firstRun.ownerPassword}`,
      '  Owner API key (shown once, keep it safe):',
      `  ${firstRun.ownerKey}`,
    );
  }
  console.log(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await dispatcher.stop();
    await scheduler.stop();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
