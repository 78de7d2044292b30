import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './support/db.js';
import { type RunningServer, runCli, startServer } from './support/process.js';

/**
 * `rewardloop backup` while a real server takes conversions, `rewardloop restore` into a new
 * folder, and a server started from it: every claim committed before the backup began is there.
 */
describe.skipIf(onPostgres)('backup and restore of the embedded store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rewardloop-backup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up through the running server during traffic, and the restore has every claim committed before', async () => {
    const dataDir = join(dir, 'data');
    const env = { DATABASE_URL: '', REWARDLOOP_DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '0' };
    let server: RunningServer = await startServer(env);
    const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(server.output())?.[1] ?? '';
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await response.json();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const out = join(dir, 'backup.tar.gz');
    try {
      await call('PUT', '/v1/reward-policy', { rewardType: 'gift_card', amount: 2500, currency: 'USD' });
      const referrer = await call('POST', '/v1/participants', { name: 'Jessica Alvarez', email: 'jess@example.com' });
      // Each committed claim with the moment its answer arrived (it was committed before that).
      const committed: { id: string; at: number }[] = [];
      let n = 0;
      let running = true;
      const traffic = async () => {
        while (running) {
          const i = ++n;
          const customer = await call('POST', '/v1/participants', { name: `Customer ${i}` });
          await call('POST', '/v1/referrals', { referrerId: referrer.id, referredId: customer.id, source: 'manual' });
          const conversion = await call('POST', '/v1/conversions', {
            externalId: `backup-deal-${i}`,
            type: 'deal_won',
            referredId: customer.id,
            amount: 100_000,
            currency: 'USD',
          });
          committed.push({ id: conversion.rewards[0].id, at: Date.now() });
        }
      };
      const workers = Array.from({ length: 3 }, traffic);
      while (committed.length < 10) await new Promise((resolve) => setTimeout(resolve, 50));

      const backupBegan = Date.now();
      const before = committed.filter((claim) => claim.at < backupBegan).map((claim) => claim.id);
      const backup = await runCli(['backup', '--out', out], env);
      const afterBackup = committed.length;
      running = false;
      await Promise.all(workers);
      expect(backup.code, backup.stderr + backup.stdout).toBe(0);
      expect(backup.stdout).toContain('taken by the running server');
      // Traffic went on while the backup was taken.
      expect(afterBackup).toBeGreaterThan(before.length);
      expect(existsSync(`${out}.partial`)).toBe(false);

      // A restore never overwrites a store: the live data folder is refused, untouched.
      const refused = await runCli(['restore', out, '--data-dir', dataDir], env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('is not empty');
      expect(refused.stderr).toContain('Nothing was changed');

      await server.stop();
      const restoredDir = join(dir, 'restored');
      const restore = await runCli(['restore', out, '--data-dir', restoredDir], env);
      expect(restore.code, restore.stderr + restore.stdout).toBe(0);
      expect(restore.stdout).toContain('Restored into');
      expect(readdirSync(restoredDir)).not.toContain('rewardloop.serve.json');

      server = await startServer({ ...env, REWARDLOOP_DATA_DIR: restoredDir });
      for (const id of before) {
        const response = await fetch(`${server.url}/v1/rewards/${id}`, { headers: { authorization: `Bearer ${key}` } });
        expect(response.status, `claim ${id} committed before the backup began`).toBe(200);
      }
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await server.stop();
    }

    // With no server running, the folder is backed up directly.
    const offline = join(dir, 'offline.tar.gz');
    const direct = await runCli(['backup', '--out', offline], env);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('copied from the stopped store');
    // An existing output file is never overwritten.
    const again = await runCli(['backup', '--out', offline], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('exists already');
  });

  it('refuses to restore into a folder that holds anything', async () => {
    const target = join(dir, 'not-empty');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const archive = join(dir, 'any.tar.gz');
    writeFileSync(archive, 'not really a backup');
    const result = await runCli(['restore', archive, '--data-dir', target], { DATABASE_URL: '' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${target} is not empty`);
    expect(readdirSync(target)).toEqual(['notes.txt']);
  });
});

describe.runIf(onPostgres)('backup and restore on PostgreSQL', () => {
  it('points to pg_dump and pg_restore instead of a home-made tool', async () => {
    const env = { DATABASE_URL: process.env.DATABASE_URL };
    const backup = await runCli(['backup', '--out', join(tmpdir(), `rl-never-${process.pid}.tar.gz`)], env);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toContain('pg_dump');
    const restore = await runCli(['restore', join(tmpdir(), 'whatever.tar.gz')], env);
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toContain('pg_restore');
  });
});
