/**
 * Periodic housekeeping every server runs (safe to run in several processes at once): claims
 * whose hold period just ended are auto-approved where the owner turned that on; idempotency
 * keys past their replay window and expired sessions are purged.
 */
import { lt, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db/client.js';
import { rowsOf } from './db/json-rows.js';
import { sessions } from './db/schema.js';
import { inTransaction } from './db/transaction.js';
import { purgeIdempotencyKeys } from './http/idempotency.js';
import { rulesTerms, rulesVersion } from './policy/index.js';
import { lockReward, tryAutoApprove } from './rewards/index.js';
import { systemActor } from './shared/actor.js';
import type { Clock } from './shared/clock.js';

export async function autoApproveDueClaims(deps: { db: Db; clock: Clock; publicUrl: string }): Promise<number> {
  const now = deps.clock.now();
  const due = rowsOf<{ workspace_id: string; id: string }>(
    await deps.db.execute(sql`
      select r.workspace_id, r.id from rewards r
      join program_rules pr on pr.workspace_id = r.workspace_id and pr.program_id = r.program_id and pr.version = r.rules_version
      where r.status = 'in_review' and r.recommendation = 'eligible' and r.hold_until <= ${now.toISOString()}::timestamptz
        and pr.auto_approve_enabled
        and not exists (select 1 from reward_flags f where f.workspace_id = r.workspace_id and f.reward_id = r.id)
      order by r.hold_until
      limit 200`),
  );
  let approved = 0;
  for (const { workspace_id: workspaceId, id } of due) {
    const done = await inTransaction(deps.db, async (tx) => {
      const reward = await lockReward(tx, workspaceId, id);
      if (!reward) return false;
      const rules = await rulesVersion(tx, workspaceId, reward.programId, reward.rulesVersion);
      if (!rules) return false;
      return tryAutoApprove(
        tx,
        { actor: systemActor(workspaceId, 'Scheduler'), at: now, publicUrl: deps.publicUrl },
        reward,
        rulesTerms(rules),
      );
    });
    if (done) approved++;
  }
  return approved;
}

export function createScheduler(deps: {
  db: Db;
  clock: Clock;
  publicUrl: string;
  logger?: Pick<FastifyBaseLogger, 'error'>;
}) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> | undefined;
  async function runOnce() {
    await autoApproveDueClaims(deps);
    await purgeIdempotencyKeys(deps, deps.clock.now());
    await deps.db.delete(sessions).where(lt(sessions.expiresAt, deps.clock.now()));
  }
  return {
    runOnce,
    start(intervalMs = 30_000) {
      const tick = async () => {
        if (stopped) return;
        try {
          running = runOnce();
          await running;
        } catch (error) {
          deps.logger?.error({ err: error }, 'scheduler run failed');
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, 1000);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
