import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openConfiguredDatabase, prepareFirstRun } from './runtime.js';
import { systemClock } from './shared/clock.js';

export async function serve(config: Config) {
  const database = await openConfiguredDatabase(config, 'rewardloop serve');
  const firstRun = await prepareFirstRun(database);
  const app = await buildApp({
    database,
    clock: systemClock,
    publicUrl: config.publicUrl,
    logLevel: config.logLevel,
    rateLimitPerMinute: config.rateLimitPerMinute,
  });
  await app.listen({ port: config.port, host: config.host });
  const where =
    database.kind === 'pglite' ? `embedded PostgreSQL in ${database.location}` : `PostgreSQL at ${database.location}`;
  const lines = [
    '',
    `Rewardloop is running at ${config.publicUrl}`,
    `  database: ${where}`,
    `  API docs: ${config.publicUrl}/docs  (OpenAPI: ${config.publicUrl}/openapi.json)`,
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
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
