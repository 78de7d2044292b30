#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApiKey, createUser } from './access/index.js';
import { loadConfig } from './config.js';
import { openConfiguredDatabase } from './runtime.js';
import type { Actor } from './shared/actor.js';
import { systemClock } from './shared/clock.js';
import { isAppError } from './shared/errors.js';
import { ROLES, type Role } from './shared/vocabulary.js';
import { ensureWorkspace } from './workspaces/index.js';

const program = new Command()
  .name('rewardloop')
  .description('Self-hosted referral reward processing.')
  .showHelpAfterError();

function cliActor(workspaceId: string): Actor {
  const who = process.env.USER || process.env.LOGNAME || 'operator';
  return { type: 'system', id: `cli:${who}`, name: `CLI (${who})`, role: 'system', workspaceId };
}

function nonEmpty(label: string) {
  return (value: string) => {
    const trimmed = value.trim();
    if (!trimmed) throw new InvalidArgumentError(`${label} must not be empty.`);
    if (trimmed.length > 200) throw new InvalidArgumentError(`${label} must be at most 200 characters.`);
    return trimmed;
  };
}

program
  .command('serve')
  .description('Run the API, the web app and the background workers')
  .action(async () => {
    const { serve } = await import('./server.js');
    await serve(loadConfig());
  });

program
  .command('migrate')
  .description('Apply database migrations (the server also does this on start)')
  .action(async () => {
    const config = loadConfig();
    const database = await openConfiguredDatabase(config, 'rewardloop migrate');
    console.log(`Migrations applied (${database.kind}: ${database.location}).`);
    await database.close();
  });

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('Create an API key (creates the workspace if needed); prints the key alone on the last line')
  .requiredOption('--workspace <name>', 'workspace name', nonEmpty('--workspace'))
  .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).default('owner'))
  .option('--name <label>', 'a label to recognise the key by', nonEmpty('--name'))
  .action(async (options: { workspace: string; role: Role; name?: string }) => {
    const config = loadConfig();
    const database = await openConfiguredDatabase(config, 'rewardloop keys create');
    try {
      const at = systemClock.now();
      const { workspace, created } = await ensureWorkspace(database.db, options.workspace, at);
      const { key, record } = await database.db.transaction((tx) =>
        createApiKey(tx, {
          workspaceId: workspace.id,
          role: options.role,
          name: options.name ?? `${options.role} key`,
          actor: cliActor(workspace.id),
          at,
        }),
      );
      if (created) console.log(`Created workspace "${workspace.name}".`);
      console.log(`Created ${record.role} key "${record.name}" (${record.id}). It is shown once; keep it safe:`);
      console.log(key);
    } finally {
      await database.close();
    }
  });

const usersCommand = program.command('users').description('People who sign in to the web app');
usersCommand
  .command('create')
  .description('Create a user who can sign in (creates the workspace if needed)')
  .requiredOption('--email <email>', 'sign-in email', nonEmpty('--email'))
  .requiredOption('--password <password>', 'at least 10 characters')
  .addOption(new Option('--role <role>', 'what the user may do').choices(ROLES).makeOptionMandatory())
  .requiredOption('--workspace <name>', 'workspace name', nonEmpty('--workspace'))
  .option('--name <name>', 'display name', nonEmpty('--name'))
  .action(async (options: { email: string; password: string; role: Role; workspace: string; name?: string }) => {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email))
      throw new InvalidArgumentError('--email must be an email address.');
    if (options.password.length < 10) throw new InvalidArgumentError('--password must be at least 10 characters.');
    const config = loadConfig();
    const database = await openConfiguredDatabase(config, 'rewardloop users create');
    try {
      const at = systemClock.now();
      const { workspace, created } = await ensureWorkspace(database.db, options.workspace, at);
      const user = await database.db.transaction((tx) =>
        createUser(tx, {
          workspaceId: workspace.id,
          email: options.email,
          password: options.password,
          name: options.name,
          role: options.role,
          actor: cliActor(workspace.id),
          at,
        }),
      );
      if (created) console.log(`Created workspace "${workspace.name}".`);
      console.log(`Created ${user.role} user ${user.email} (${user.id}) in "${workspace.name}".`);
    } finally {
      await database.close();
    }
  });

program
  .command('backup')
  .description('Copy the embedded database to a file, consistently, even while the server runs (PostgreSQL: pg_dump)')
  .requiredOption('--out <file>', 'where to write the backup (a .tar.gz; must not exist yet)')
  .action(async (options: { out: string }) => {
    const { backupEmbeddedStore } = await import('./ops/index.js');
    const config = loadConfig();
    const startedAt = Date.now();
    const { bytes, via } = await backupEmbeddedStore({ ...config, out: options.out });
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `Backup written to ${options.out} (${(bytes / 1_048_576).toFixed(1)} MB in ${seconds} s, ` +
        `${via === 'server' ? 'taken by the running server' : 'copied from the stopped store'}).`,
    );
    console.log(`Restore it with: rewardloop restore ${options.out} --data-dir <empty folder>`);
  });

program
  .command('restore')
  .description('Restore a backup into an empty data folder (PostgreSQL: use pg_restore)')
  .argument('<file>', 'a file written by `rewardloop backup`')
  .option('--data-dir <folder>', 'the folder to restore into (default: REWARDLOOP_DATA_DIR); must be empty or absent')
  .action(async (file: string, options: { dataDir?: string }) => {
    const { restoreEmbeddedStore } = await import('./ops/index.js');
    const config = loadConfig();
    const dataDir = options.dataDir ?? config.dataDir;
    const counts = await restoreEmbeddedStore({ databaseUrl: config.databaseUrl, dataDir, file });
    console.log(
      `Restored into ${dataDir}: ${counts.workspaces} workspace(s), ${counts.rewards} reward claim(s). ` +
        `Start it with REWARDLOOP_DATA_DIR=${dataDir} rewardloop serve.`,
    );
  });

program
  .command('export')
  .description('Write rewards, participants, conversions or audit-events as CSV, with a progress bar')
  .argument('<kind>', 'rewards, participants, conversions or audit-events')
  .option('--out <file>', 'where to write the CSV (default: stdout)')
  .option('--workspace <name>', 'the workspace (reading the store directly; needed when there are several)')
  .option('--key <apiKey>', 'an owner or finance API key: export through a server (default: REWARDLOOP_API_KEY)')
  .option('--url <url>', 'that server (default: the one running on this data folder, else PUBLIC_URL)')
  .option('--status <list>', 'reward statuses, comma-separated (rewards only)')
  .option('--from <time>', 'rows created at or after this ISO 8601 time')
  .option('--to <time>', 'rows created before this ISO 8601 time')
  .action(async (kind: string, options: Record<string, string | undefined>) => {
    const { runExport } = await import('./export-command.js');
    console.error(await runExport(loadConfig(), kind, options));
  });

program
  .command('import')
  .description('Import participants, referrals or conversions from a CSV file, with a progress bar')
  .argument('<kind>', 'participants, referrals or conversions')
  .argument('<file>', 'the CSV file: a header line of API field names, then one row per line')
  .option('--dry-run', 'check every row and say what would happen; write nothing')
  .option('--skip-invalid', 'import the valid rows and report the others (without it, one bad row imports nothing)')
  .option('--workspace <name>', 'the workspace (needed when there are several)')
  .action(
    async (kind: string, file: string, options: { dryRun?: boolean; skipInvalid?: boolean; workspace?: string }) => {
      const { runImport } = await import('./import-command.js');
      const { text, ok } = await runImport(loadConfig(), kind, file, options);
      console.log(text);
      if (!ok) process.exitCode = 1;
    },
  );

const rollups = program
  .command('rollups')
  .description('The report rollups (dashboard, tab counts, eligibility accuracy)');
rollups
  .command('rebuild')
  .description('Rebuild the report rollups from the reward rows, workspace by workspace, with a progress bar')
  .option('--workspace <name>', 'only this workspace', nonEmpty('--workspace'))
  .action(async (options: { workspace?: string }) => {
    const { rebuildRewardRollups, workspacesWithRewards } = await import('./rewards/index.js');
    const { SingleBar } = await import('cli-progress');
    const config = loadConfig();
    const database = await openConfiguredDatabase(config, 'rewardloop rollups rebuild');
    try {
      const all = await workspacesWithRewards(database.db);
      const chosen = options.workspace ? all.filter((w) => w.name === options.workspace) : all;
      if (options.workspace && chosen.length === 0) {
        throw new InvalidArgumentError(`No workspace "${options.workspace}".`);
      }
      const total = chosen.reduce((sum, w) => sum + w.rewards, 0);
      // Writers of rewards wait while a workspace is rebuilt (the rollups must not miss a change).
      const bar = new SingleBar({
        format: '  rebuilding [{bar}] {value}/{total} rewards  {workspace}',
        hideCursor: true,
        stream: process.stderr,
      });
      bar.start(total, 0, { workspace: '' });
      let before = 0;
      for (const workspace of chosen) {
        await rebuildRewardRollups(database.db, workspace.id, (done) =>
          bar.update(before + done, { workspace: workspace.name }),
        );
        before += workspace.rewards;
        bar.update(before, { workspace: workspace.name });
      }
      bar.stop();
      console.log(`Rebuilt the rollups of ${chosen.length} workspace(s), ${total} reward(s).`);
    } finally {
      await database.close();
    }
  });

program
  .command('bench')
  .description('Measure conversions per second through the HTTP API (PGlite, and PostgreSQL when DATABASE_URL is set)')
  .option('--clients <n>', 'concurrent clients of the single-event run', (v) => Number.parseInt(v, 10), 16)
  .option('--seconds <n>', 'seconds per measured run', (v) => Number.parseInt(v, 10), 10)
  .option('--queue', 'instead: time the web app’s queries at 10k and 1M rewards (BENCH_QUEUE_SCALES)')
  .option('--imports', 'instead: only the CSV imports of 100,000 rows (BENCH_IMPORT_ROWS)')
  .option(
    '--backfill',
    'instead: a 100,000-event billing history in batches and one by one, compared (BENCH_BACKFILL_EVENTS)',
  )
  .action(
    async (options: { clients: number; seconds: number; queue?: boolean; imports?: boolean; backfill?: boolean }) => {
      const { runBench } = await import('./bench.js');
      await runBench(options);
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isAppError(error)) {
    console.error(`rewardloop: ${error.message}`);
  } else if (error instanceof InvalidArgumentError) {
    console.error(`rewardloop: ${error.message}`);
  } else {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    const message = error instanceof Error ? `${error.message}${cause}` : String(error);
    console.error('rewardloop:', message.length > 1500 ? `${message.slice(0, 1500)}… (truncated)` : message);
  }
  process.exit(1);
});
