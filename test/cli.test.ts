import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import { runCli, startServer } from './support/process.js';

/** The service and the CLI as a user runs them: real processes, a real store. */
describe('rewardloop serve and the CLI', () => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewardloop-cli-'));
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

  it('prints the URL and a first owner key on the first start, and the key works', async () => {
    const server = await startServer(env);
    try {
      const output = server.output();
      expect(output).toContain(`Rewardloop is running at ${server.url}`);
      expect(output).toMatch(/Web app sign-in: owner@example\.com \/ \S{8,}/);
      const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(output)?.[1];
      expect(key).toBeDefined();
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', database: onPostgres ? 'postgres' : 'pglite' });
      const created = await fetch(`${server.url}/v1/participants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'First Person' }),
      });
      expect(created.status).toBe(201);

      if (onPostgres) {
        // On PostgreSQL many processes share the database: the CLI works beside the server.
        const made = await runCli(
          ['keys', 'create', '--workspace', 'My workspace', '--role', 'finance', '--name', 'Books'],
          env,
        );
        expect(made.code, made.stderr).toBe(0);
      } else {
        // The embedded store belongs to the running server: the CLI says so plainly.
        const refused = await runCli(['keys', 'create', '--workspace', 'My workspace'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('is in use by another Rewardloop process');
        expect(refused.stderr).toContain('Stop that process first');
      }
    } finally {
      await server.stop();
    }
    // A second start of the same store is not a first start: no new key is printed.
    const again = await startServer(env);
    try {
      expect(again.output()).not.toContain('Owner API key');
    } finally {
      await again.stop();
    }
  });

  it('creates keys, printing the key alone on the last line, and the workspace when needed', async () => {
    const result = await runCli(
      ['keys', 'create', '--workspace', 'Acme Realty', '--role', 'finance', '--name', 'Books'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('Created workspace "Acme Realty".');
    expect(lines.at(-1)).toMatch(/^rl_[A-Za-z0-9_-]{43}$/);
    const second = await runCli(['keys', 'create', '--workspace', 'Acme Realty'], env);
    expect(second.stdout).not.toContain('Created workspace');
  });

  it('creates users who can sign in', async () => {
    const result = await runCli(
      [
        'users',
        'create',
        '--email',
        'fiona@example.com',
        '--password',
        'correct horse battery',
        '--role',
        'finance',
        '--workspace',
        'Acme Realty',
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Created finance user fiona@example.com');
    const duplicate = await runCli(
      [
        'users',
        'create',
        '--email',
        'FIONA@example.com',
        '--password',
        'correct horse battery',
        '--role',
        'viewer',
        '--workspace',
        'Acme Realty',
      ],
      env,
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
  });

  it('refuses bad arguments with a clear message', async () => {
    const badRole = await runCli(['keys', 'create', '--workspace', 'Acme', '--role', 'admin'], env);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/Allowed choices are owner, finance, staff, viewer/);
    const shortPassword = await runCli(
      ['users', 'create', '--email', 'a@b.co', '--password', 'short', '--role', 'staff', '--workspace', 'Acme'],
      env,
    );
    expect(shortPassword.code).not.toBe(0);
    expect(shortPassword.stderr).toContain('at least 10 characters');
  });
});
