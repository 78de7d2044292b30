import type { Server } from 'node:http';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { createFulfilmentJob } from './fulfilment/index.js';
import { createDispatcher, describeProviders, outboxHealth, providersFromConfig } from './messaging/index.js';
import { announceServer, closeHttpGracefully, newBackupToken } from './ops/index.js';
import { thankOnDelivery } from './rewards/index.js';
import { openConfiguredDatabase, prepareFirstRun } from './runtime.js';
import { createScheduler } from './scheduler.js';
import { loadSecretKey } from './secret-key.js';
import { systemClock } from './shared/clock.js';
import { webhookDataRenderer } from './webhook-data.js';
import { createWebhookDispatcher } from './webhooks/index.js';

export async function serve(config: Config) {
  const database = await openConfiguredDatabase(config, 'rewardloop serve');
  const firstRun = await prepareFirstRun(database);
  const providers = providersFromConfig(config);
  const messaging = describeProviders(config, providers);
  // Only the embedded store is backed up through the server (see ops/backup.ts).
  const backupToken = database.kind === 'pglite' ? newBackupToken() : undefined;
  let stopping = false;
  const app = await buildApp({
    database,
    clock: systemClock,
    publicUrl: config.publicUrl,
    logLevel: config.logLevel,
    rateLimitPerMinute: config.rateLimitPerMinute,
    trustProxy: config.trustProxy,
    secretKey: loadSecretKey(config),
    webhookSecrets: { twilioAuthTokens: config.sms.authToken, resendWebhookSecrets: config.email.resendWebhookSecret },
    ops: { metricsToken: config.metricsToken, backupToken, stopping: () => stopping },
    health: async () => ({
      workers: config.workers,
      messaging: { ...messaging, outbox: await outboxHealth(database.db) },
    }),
  });
  const dispatcher = createDispatcher({
    onThankYouAccepted: thankOnDelivery,
    db: database.db,
    clock: systemClock,
    publicUrl: config.publicUrl,
    providers,
    leaseMs: config.dispatchLeaseSeconds * 1000,
    logger: app.log,
  });
  const webhookDispatcher = createWebhookDispatcher({
    db: database.db,
    clock: systemClock,
    render: webhookDataRenderer({ clock: systemClock, publicUrl: config.publicUrl }),
    secretKey: loadSecretKey(config),
    allowPrivateNetworks: config.webhooksAllowPrivateNetworks,
    leaseMs: config.dispatchLeaseSeconds * 1000,
    logger: app.log,
  });
  const fulfilment = createFulfilmentJob({
    db: database.db,
    clock: systemClock,
    publicUrl: config.publicUrl,
    secretKey: loadSecretKey(config),
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
  const announced = backupToken
    ? announceServer(config.dataDir, localUrl(app.server.address()), backupToken)
    : undefined;
  if (config.workers) {
    dispatcher.start(config.dispatchIntervalMs);
    webhookDispatcher.start(config.dispatchIntervalMs);
    fulfilment.start(Math.max(config.dispatchIntervalMs, 5000));
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

  /**
   * SIGTERM/SIGINT: /readyz turns 503, the listener closes, requests in flight finish (up to
   * 10 s), the workers finish the message or run in hand and give back the leases they hold,
   * the database closes, exit 0. A second signal exits at once.
   */
  const stop = async (signal: string) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight (up to 10 s)');
    try {
      const [http] = await Promise.all([
        closeHttpGracefully(app, 10_000),
        dispatcher.stop().then(() => scheduler.stop()),
        webhookDispatcher.stop(),
        fulfilment.stop(),
      ]);
      announced?.remove();
      await database.close();
      app.log.info({ forced: http.forced }, 'stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Where a client on this host reaches the server (a wildcard listen address means loopback). */
function localUrl(address: ReturnType<Server['address']>): string {
  if (!address || typeof address === 'string') return `http://127.0.0.1`;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
