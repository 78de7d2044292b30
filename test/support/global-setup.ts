import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';

/**
 * Migrates one database per test run and lets every test file start from a copy of it:
 * on PGlite a dumped data folder, on PostgreSQL (DATABASE_URL set) a template database.
 * Each test file then gets a database of its own, so files never see each other's rows.
 */
export default async function setup() {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const template = `rl_template_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${template}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${template}`;
    const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    await database.migrate();
    await database.close();
    process.env.REWARDLOOP_TEST_TEMPLATE = template;
    console.log(`\n[tests] database: PostgreSQL ${url.host} (template ${template}, one database per test file)\n`);
    return async () => {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${template} with (force)`);
      await cleanup.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'rewardloop-test-'));
  const database = await openDatabase({ memory: true });
  await database.migrate();
  const pglite = (database as unknown as { pglite: { dumpDataDir(c?: string): Promise<Blob> } }).pglite;
  const dump = await pglite.dumpDataDir('none');
  const file = join(dir, 'migrated.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  process.env.REWARDLOOP_TEST_SNAPSHOT = file;
  console.log('\n[tests] database: embedded PostgreSQL (PGlite, one in-memory database per test file)\n');
  return () => rmSync(dir, { recursive: true, force: true });
}
