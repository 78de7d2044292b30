import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import { runCli, startServer } from './support/process.js';

/** `rewardloop export` as a user runs it: through the running server with a key, or from the store. */
describe('rewardloop export', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewardloop-export-'));
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
  });
  afterAll(() => cleanup());

  it('exports through the running server with a key, and from the store once it stops', async () => {
    const server = await startServer(env);
    const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(server.output())?.[1] as string;
    const workspace = /created workspace "([^"]+)"/.exec(server.output())?.[1] as string;
    try {
      for (const name of ['=cmd|"/c calc"!A1', 'Plain Person']) {
        const created = await fetch(`${server.url}/v1/participants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        });
        expect(created.status).toBe(201);
      }
      const out = join(dir, 'participants.csv');
      // The embedded store's server is found through its data folder; on PostgreSQL, name it.
      const where = onPostgres ? ['--url', server.url] : [];
      const viaServer = await runCli(['export', 'participants', '--out', out, '--key', key, ...where], env);
      expect(viaServer.code, viaServer.stderr).toBe(0);
      expect(viaServer.stderr).toContain('Exported 2 participants rows');
      const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
      expect(rows.map((row) => row.name)).toEqual([`'=cmd|"/c calc"!A1`, 'Plain Person']);
      if (!onPostgres) {
        // The embedded store belongs to the server while it runs: the CLI says what to do instead.
        const refused = await runCli(['export', 'participants'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('--key');
      }
    } finally {
      await server.stop();
    }
    const direct = await runCli(['export', 'participants', '--workspace', workspace], env);
    expect(direct.code, direct.stderr).toBe(0);
    const rows = parse(direct.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
  });
});
