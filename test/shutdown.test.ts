import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, scratchPostgresUrl } from './support/db.js';
import { type Outcome, trackedRequest } from './support/http-client.js';
import { startServer } from './support/process.js';

/**
 * SIGTERM under load, to a real `rewardloop serve`: every request the server accepted gets a
 * whole answer, the ones held in flight across the signal included, what was answered 201 is
 * there after a restart, and the process exits 0.
 */
describe('graceful shutdown on SIGTERM', () => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewardloop-shutdown-'));
    const base = { RATE_LIMIT_PER_MINUTE: '0', REWARDLOOP_DISPATCH_INTERVAL_MS: '100' };
    if (onPostgres) {
      const scratch = await scratchPostgresUrl();
      env = { ...base, DATABASE_URL: scratch.url };
      cleanup = async () => {
        await scratch.drop();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      env = { ...base, DATABASE_URL: '', REWARDLOOP_DATA_DIR: join(dir, 'data') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => cleanup());

  it('answers every accepted request, keeps what it answered, and exits 0', async () => {
    let server = await startServer(env);
    const key = /\n {2}(rl_[A-Za-z0-9_-]{40,})\n/.exec(server.output())?.[1] ?? '';
    expect(key).not.toBe('');
    let n = 0;
    const conversion = () => ({
      method: 'POST',
      path: '/v1/conversions',
      key,
      body: {
        externalId: `shutdown-${++n}`,
        type: 'deal_won',
        referredExternalId: `crm-${n}`,
        amount: 1000,
        currency: 'USD',
      },
    });

    // Requests the server has accepted (100 Continue) whose bodies we send only after the signal:
    // they are in flight when SIGTERM arrives, whatever the timing of the rest.
    const held = Array.from({ length: 5 }, () => trackedRequest(server.url, { ...conversion(), hold: true }));
    await Promise.all(held.map((request) => request.continued));

    // Concurrent load that keeps going until the server stops taking connections.
    const outcomes: Outcome[] = [];
    let signalled = false;
    const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
    const worker = async () => {
      for (;;) {
        const outcome = await trackedRequest(server.url, conversion()).outcome;
        outcomes.push(outcome);
        if (signalled && !outcome.answered) return;
        if (signalled && outcome.answered && outcome.status === 503) return;
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    while (outcomes.length < 30) await new Promise((resolve) => setTimeout(resolve, 20));

    server.child.kill('SIGTERM');
    signalled = true;
    // Let shutdown begin before the held requests send their bodies.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const request of held) request.send();
    const heldOutcomes = await Promise.all(held.map((request) => request.outcome));
    await Promise.all(workers);
    const code = await exited;

    expect(code).toBe(0);
    const all = [...heldOutcomes, ...outcomes];
    const accepted = all.filter((outcome) => outcome.accepted);
    expect(accepted.length).toBeGreaterThanOrEqual(35);
    const unanswered = accepted.filter((outcome) => !outcome.answered);
    expect(unanswered, server.output()).toEqual([]);
    for (const outcome of accepted) {
      if (!outcome.answered) continue;
      expect([201, 503], outcome.body).toContain(outcome.status);
      expect(() => JSON.parse(outcome.body)).not.toThrow();
    }
    // The requests held across the signal were processed, not refused.
    for (const outcome of heldOutcomes) expect(outcome).toMatchObject({ answered: true, status: 201 });

    // Everything answered 201 was committed.
    server = await startServer(env);
    try {
      const created = accepted.flatMap((outcome) =>
        outcome.answered && outcome.status === 201 ? [JSON.parse(outcome.body).conversion.id as string] : [],
      );
      for (const id of created) {
        const response = await fetch(`${server.url}/v1/conversions/${id}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(response.status, id).toBe(200);
      }
    } finally {
      await server.stop();
    }
  });
});
