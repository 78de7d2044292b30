import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import { runCli } from './support/process.js';

/** `rewardloop import` as a user runs it: in process against the store, with a progress bar. */
describe('rewardloop import', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewardloop-import-'));
    if (onPostgres) {
      const scratch = await scratchPostgresUrl();
      env = { DATABASE_URL: scratch.url, REWARDLOOP_DATA_DIR: join(dir, 'unused') };
      cleanup = async () => {
        await scratch.drop();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      env = { DATABASE_URL: '', REWARDLOOP_DATA_DIR: join(dir, 'data') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    const created = await runCli(['keys', 'create', '--workspace', 'Imports'], env);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(() => cleanup());

  it('checks a file with --dry-run and writes nothing, then imports it once', async () => {
    const file = join(dir, 'people.csv');
    writeFileSync(file, 'name,email,externalId\nCli One,cli1@example.com,cli-1\nCli Two,cli2@example.com,cli-2\n');
    const dry = await runCli(['import', 'participants', file, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('2 participants rows: 2 valid, 0 invalid. Dry run: nothing was written.');
    expect(dry.stderr).toContain('checking');
    const real = await runCli(['import', 'participants', file], env);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain('Imported 2.');
    const again = await runCli(['import', 'participants', file], env);
    expect(again.stdout).toContain('Imported 0 (2 were already there).');
  });

  it('names each bad row by line and imports nothing without --skip-invalid (exit code 1)', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'name,email,externalId\n"Multi\nLine",m@example.com,cli-3\nBad,not-an-email,cli-4\n');
    const refused = await runCli(['import', 'participants', file], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('line 4, email: Must be an email address.');
    expect(refused.stdout).toContain('Nothing was imported');
    const skipped = await runCli(['import', 'participants', file, '--skip-invalid'], env);
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toContain('Imported 1.');
    const unknown = await runCli(['import', 'payouts', file], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('KIND must be one of participants, referrals, conversions');
  });
  it('imports conversions all or nothing: one bad row imports none, --skip-invalid the others, and only once', async () => {
    const file = join(dir, 'sales.csv');
    writeFileSync(
      file,
      [
        'externalId,source,type,referredExternalId,amount,currency',
        'cli-sale-1,crm,deal_won,cli-1,120.00,USD',
        'cli-sale-2,crm,deal_won,cli-later,80.00,USD',
        'cli-sale-3,crm,deal_won,cli-2,12.345,USD',
        '',
      ].join('\n'),
    );
    const dry = await runCli(['import', 'conversions', file, '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stdout).toContain('line 4, amount: USD has 2 decimals; "12.345" has 3.');
    expect(dry.stdout).toContain('3 conversions rows: 2 valid, 1 invalid. Dry run: nothing was written.');
    const refused = await runCli(['import', 'conversions', file], env);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toContain('Nothing was imported');
    const skipped = await runCli(['import', 'conversions', file, '--skip-invalid'], env);
    expect(skipped.code, skipped.stderr).toBe(1);
    expect(skipped.stdout).toContain('Imported 2.');
    const again = await runCli(['import', 'conversions', file, '--skip-invalid'], env);
    expect(again.stdout).toContain('Imported 0 (2 were already there).');
  });
});
