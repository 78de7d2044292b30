/**
 * Periodic housekeeping every server runs (safe to run in several processes at once): claims
 * whose hold period just ended are auto-approved where the owner turned that on; idempotency
 * keys past their replay window and expired sessions are purged; on a program's payout day the
 * month's payout batch is drafted.
 */
import { lt, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from './db/client.js';
import { rowsOf } from './db/json-rows.js';
import { sessions } from './db/schema.js';
import { inTransaction } from './db/transaction.js';
import { purgeIdempotencyKeys } from './http/idempotency.js';
import { draftDueBatches } from './payouts/index.js';
import { rulesTerms, rulesVersion } from './policy/index.js';
import { lockReward, tryAutoApprove } from './rewards/index.js';
import { systemActor } from './shared/actor.js';
import type { Clock } from './shared/clock.js';

type DueClaim = { workspace_id: string; id: string; hold_until: string | Date };

/**
 * Claims whose hold just ended, for auto-approval. The query keeps only what could pass
 * (`approval.core.ts` autoApprovalDecision has the last word); it pages by (hold_until, id) so
 * claims the decision refuses never hide the ones behind them, and stops after `maxPages`.
 */
export async function autoApproveDueClaims(
  deps: { db: Db; clock: Clock; publicUrl: string },
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<number> {
  const now = deps.clock.now();
  const pageSize = options.pageSize ?? 200;
  const maxPages = options.maxPages ?? 10;
  let after: { holdUntil: string; id: string } | null = null;
  let approved = 0;
  for (let page = 0; page < maxPages; page++) {
    const cursor: { holdUntil: string; id: string } | null = after;
    const due: DueClaim[] = rowsOf<DueClaim>(
      await deps.db.execute(sql`
        select r.workspace_id, r.id, r.hold_until from rewards r
        join program_rules pr on pr.workspace_id = r.workspace_id and pr.program_id = r.program_id and pr.version = r.rules_version
        where r.status = 'in_review' and r.recommendation = 'eligible' and r.hold_until <= ${now.toISOString()}::timestamptz
          and pr.auto_approve_enabled and r.review_round = 1
          and r.currency = pr.currency and r.amount <= pr.auto_approve_max_amount
          and not exists (select 1 from reward_flags f where f.workspace_id = r.workspace_id and f.reward_id = r.id)
          ${cursor ? sql`and (r.hold_until, r.id) > (${cursor.holdUntil}::timestamptz, ${cursor.id})` : sql``}
        order by r.hold_until, r.id
        limit ${pageSize}`),
    );
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
    const last: DueClaim | undefined = due[due.length - 1];
    if (!last || due.length < pageSize) break;
    after = { holdUntil: new Date(last.hold_until).toISOString(), id: last.id };
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
    // On the program's payout day: the month's payout batch, drafted once, and finance told.
    await draftDueBatches(deps);
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
