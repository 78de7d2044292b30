import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/client.js';

export const onPostgres = !!process.env.DATABASE_URL;

/** A fresh, migrated database for one test file (see global-setup). */
export async function freshDatabase(): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const template = process.env.REWARDLOOP_TEST_TEMPLATE;
    if (!template) throw new Error('global setup did not prepare a template database');
    const name = `rl_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    // CREATE DATABASE ... TEMPLATE needs the template to have no other connections; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 20 });
    const close = database.close;
    return {
      ...database,
      async close() {
        await close();
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  }
  const snapshot = process.env.REWARDLOOP_TEST_SNAPSHOT;
  if (!snapshot) return openMigratedMemory();
  const blob = new Blob([readFileSync(snapshot)]);
  return openDatabase({ memory: true, loadDataDir: blob });
}

async function openMigratedMemory() {
  const database = await openDatabase({ memory: true });
  await database.migrate();
  return database;
}

/** A scratch database URL on PostgreSQL (for spawned processes), dropped by `drop()`. */
export async function scratchPostgresUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('scratchPostgresUrl needs DATABASE_URL');
  const name = `rl_scratch_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
