import { and, desc, eq, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { recordAudit, recordAuditMany } from '../audit/index.js';
import { type Executor, isUniqueViolation, type Tx } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { conversions, disputes, participants, referrals, rewards } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { openDispute } from '../disputes/index.js';
import { addSignals, addSignalsMany, findParticipant, lockParticipant } from '../participants/index.js';
import { getDefaultProgram } from '../policy/index.js';
import {
  type ClaimEnv,
  createClaimForConversion,
  createLeadReward,
  findLiveRewardForReferred,
  isOpen,
  latestDispute,
  recheckReward,
  referralsOfCustomer,
  rewardsTheLead,
  statusIn,
} from '../rewards/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { isReversal } from '../shared/vocabulary.js';
import type { Referral, ReferralCreate } from './referral.schema.js';

type ReferralRow = typeof referrals.$inferSelect;

/**
 * A referral recorded after its customer already converted (late attribution) makes the claim
 * now; a second referrer for a customer with an open claim opens a dispute and re-checks it.
 */
export async function attributeCustomer(tx: Tx, env: ClaimEnv, referredId: string) {
  const workspaceId = env.actor.workspaceId;
  await lockParticipant(tx, workspaceId, referredId);
  const program = await getDefaultProgram(tx, workspaceId);
  const claim = await findLiveRewardForReferred(tx, workspaceId, program.id, referredId);
  if (claim) {
    if (!isOpen(claim.status)) return;
    const customerReferrals = await referralsOfCustomer(tx, workspaceId, referredId);
    if (customerReferrals.length > 1) {
      const dispute = await latestDispute(tx, workspaceId, referredId);
      if (dispute?.status !== 'open') {
        const opened = await openDispute(
          tx,
          env,
          referredId,
          `${customerReferrals.length} referrers claim this customer`,
        );
        if (opened && !opened.rewardId) {
          await tx
            .update(disputes)
            .set({ rewardId: claim.id })
            .where(and(eq(disputes.workspaceId, workspaceId), eq(disputes.id, opened.id)));
        }
      }
    }
    await recheckReward(tx, env, claim.id, 'a new referral of this customer was recorded');
    return;
  }
  const sales = await tx
    .select()
    .from(conversions)
    .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.referredId, referredId)))
    .orderBy(conversions.occurredAt, conversions.id);
  for (const sale of sales) {
    if (isReversal(sale.type)) continue;
    // A sale refunded in full earns nothing: look at the next one.
    const refunded = sales
      .filter((row) => row.reversesConversionId === sale.id)
      .reduce((sum, row) => sum + row.amount, 0);
    if (refunded > 0 && refunded >= sale.amount) continue;
    const result = await createClaimForConversion(tx, { ...env, openDispute }, sale);
    if (
      result.outcome === 'reward_created' ||
      result.outcome === 'already_rewarded' ||
      result.outcome === 'duplicate_flagged'
    ) {
      await tx
        .update(conversions)
        .set({ outcome: result.outcome })
        .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, sale.id)));
      return;
    }
  }
}

export async function insertReferral(
  tx: Tx,
  env: ClaimEnv,
  input: ReferralCreate & { clickId?: string | undefined },
): Promise<ReferralRow> {
  const workspaceId = env.actor.workspaceId;
  const referrer = await findParticipant(tx, workspaceId, input.referrerId);
  if (!referrer) throw notFound('Referrer', 'referrerId');
  const referred = await findParticipant(tx, workspaceId, input.referredId);
  if (!referred) throw notFound('Referred participant', 'referredId');
  const id = newId('referral', env.at.getTime());
  let row: ReferralRow | undefined;
  try {
    [row] = await tx
      .insert(referrals)
      .values({
        workspaceId,
        id,
        referrerId: referrer.id,
        referredId: referred.id,
        source: input.source,
        evidence: input.evidence ?? {},
        referredAt: input.referredAt ? new Date(input.referredAt) : env.at,
        // The person behind the credential: the referral's recorder is a maker of its claims.
        createdBy: personOf(env.actor),
        createdByName: env.actor.name,
        createdAt: env.at,
      })
      .returning();
  } catch (error) {
    if (isUniqueViolation(error, 'referrals_pair_uq')) {
      throw new AppError('already_exists', `${referrer.name} already referred ${referred.name}.`, {
        field: 'referredId',
      });
    }
    throw error;
  }
  if (!row) throw new Error('referral insert returned nothing');
  const signals = [
    ...(input.evidence?.ip ? [{ kind: 'ip' as const, value: input.evidence.ip, source: `referral ${id}` }] : []),
    ...(input.evidence?.deviceId
      ? [{ kind: 'device' as const, value: input.evidence.deviceId, source: `referral ${id}` }]
      : []),
  ];
  await addSignals(tx, workspaceId, referred.id, signals, env.at);
  await recordAudit(tx, env.actor, env.at, {
    action: 'referral.created',
    objectType: 'referral',
    objectId: id,
    after: { referrerId: referrer.id, referredId: referred.id, source: input.source, evidence: input.evidence ?? {} },
  });
  await attributeCustomer(tx, env, referred.id);
  // A double-sided program paying at the lead: the referred person's own reward claim now.
  await createLeadReward(tx, env, { id: row.id, referredId: referred.id });
  return row;
}

/**
 * Inserts many referrals set-based (imports), a thousand per statement: the same rows, evidence
 * signals and `referral.created` audit events as insertReferral. The caller resolved and checked
 * both participants (ReferralCreateSchema refuses self-referral). A pair already recorded is
 * skipped (`ON CONFLICT`), so the same file twice records nothing new. Customers who already
 * converted get their late attribution, as one referral at a time does; only those, because a
 * customer without a conversion has no claim to make or re-check.
 */
export async function insertReferrals(
  tx: Tx,
  env: ClaimEnv,
  inputs: ReferralCreate[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ inserted: { id: string; referrerId: string; referredId: string }[]; skipped: number }> {
  const workspaceId = env.actor.workspaceId;
  const inserted: { id: string; referrerId: string; referredId: string }[] = [];
  for (let start = 0; start < inputs.length; start += 1000) {
    const chunk = inputs.slice(start, start + 1000);
    const values = chunk.map((input) => ({
      id: newId('referral', env.at.getTime()),
      referrerId: input.referrerId,
      referredId: input.referredId,
      source: input.source,
      evidence: input.evidence ?? {},
      referredAt: (input.referredAt ? new Date(input.referredAt) : env.at).toISOString(),
    }));
    // The rows travel as one JSON parameter: binding ten per row costs more than the insert on PGlite.
    const result = await tx.execute(sql`
      insert into referrals (workspace_id, id, referrer_id, referred_id, source, evidence, referred_at, created_by,
        created_by_name, created_at)
      select ${workspaceId}, r."id", r."referrerId", r."referredId", r."source"::referral_source, r."evidence",
        r."referredAt", ${personOf(env.actor)}, ${env.actor.name}, ${env.at.toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as r("id" text, "referrerId" text, "referredId" text,
        "source" text, "evidence" jsonb, "referredAt" timestamptz)
      on conflict do nothing
      returning id`);
    const made = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    const rows = values.filter((row) => made.has(row.id));
    inserted.push(...rows.map((row) => ({ id: row.id, referrerId: row.referrerId, referredId: row.referredId })));
    const signals = rows.flatMap((row) => {
      const evidence = row.evidence as { ip?: string; deviceId?: string };
      const at = { participantId: row.referredId, source: `referral ${row.id}` };
      return [
        ...(evidence.ip ? [{ kind: 'ip' as const, value: evidence.ip, ...at }] : []),
        ...(evidence.deviceId ? [{ kind: 'device' as const, value: evidence.deviceId, ...at }] : []),
      ];
    });
    await addSignalsMany(tx, workspaceId, signals, env.at);
    await recordAuditMany(
      tx,
      env.at,
      rows.map((row) => ({
        actor: env.actor,
        entry: {
          action: 'referral.created',
          objectType: 'referral',
          objectId: row.id,
          after: { referrerId: row.referrerId, referredId: row.referredId, source: row.source, evidence: row.evidence },
        },
      })),
    );
    onProgress?.(Math.min(start + 1000, inputs.length), inputs.length);
  }
  // As one referral at a time: a program paying the referred person at the lead claims it for each.
  if (inserted.length > 0 && (await rewardsTheLead(tx, workspaceId))) {
    for (const row of inserted) await createLeadReward(tx, env, row);
  }
  const referredIds = [...new Set(inserted.map((row) => row.referredId))];
  for (let start = 0; start < referredIds.length; start += 1000) {
    const chunk = referredIds.slice(start, start + 1000);
    const converted = await tx
      .selectDistinct({ referredId: conversions.referredId })
      .from(conversions)
      .where(and(eq(conversions.workspaceId, workspaceId), inArray(conversions.referredId, chunk)));
    for (const { referredId } of converted) if (referredId) await attributeCustomer(tx, env, referredId);
  }
  return { inserted, skipped: inputs.length - inserted.length };
}

export async function createReferral(deps: Deps, actor: Actor, input: ReferralCreate): Promise<Referral> {
  const at = deps.clock.now();
  const id = await inTransaction(deps.db, async (tx) => {
    const row = await insertReferral(tx, { actor, at, publicUrl: deps.publicUrl }, input);
    return row.id;
  });
  const [referral] = await presentReferrals(deps.db, actor.workspaceId, { ids: [id] }, { limit: 1 });
  if (!referral) throw new Error('created referral not found');
  return referral;
}

const referrerP = alias(participants, 'referrer');
const referredP = alias(participants, 'referred');

async function presentReferrals(
  db: Executor,
  workspaceId: string,
  filter: { ids?: string[]; referrerId?: string | undefined; referredId?: string | undefined },
  page: { limit: number; after?: { createdAt: Date; id: string } | undefined },
) {
  const rows = await referralRows(db, workspaceId, filter, page);
  return rows.slice(0, page.limit).map(presentReferral);
}

async function referralRows(
  db: Executor,
  workspaceId: string,
  filter: { ids?: string[]; referrerId?: string | undefined; referredId?: string | undefined },
  page: { limit: number; after?: { createdAt: Date; id: string } | undefined },
) {
  const conditions: SQL[] = [eq(referrals.workspaceId, workspaceId)];
  if (filter.ids) conditions.push(inArray(referrals.id, filter.ids));
  if (filter.referrerId) conditions.push(eq(referrals.referrerId, filter.referrerId));
  if (filter.referredId) conditions.push(eq(referrals.referredId, filter.referredId));
  if (page.after) {
    const after = or(
      lt(referrals.createdAt, page.after.createdAt),
      and(eq(referrals.createdAt, page.after.createdAt), lt(referrals.id, page.after.id)),
    );
    if (after) conditions.push(after);
  }
  return db
    .select({ referral: referrals, referrer: referrerP, referred: referredP, reward: rewards })
    .from(referrals)
    .innerJoin(referrerP, and(eq(referrerP.workspaceId, referrals.workspaceId), eq(referrerP.id, referrals.referrerId)))
    .innerJoin(referredP, and(eq(referredP.workspaceId, referrals.workspaceId), eq(referredP.id, referrals.referredId)))
    .leftJoin(
      rewards,
      and(eq(rewards.workspaceId, referrals.workspaceId), eq(rewards.referralId, referrals.id), statusIn('live')),
    )
    .where(and(...conditions))
    .orderBy(desc(referrals.createdAt), desc(referrals.id))
    .limit(page.limit + 1);
}

function presentReferral(row: Awaited<ReturnType<typeof referralRows>>[number]): Referral {
  return {
    id: row.referral.id,
    referrer: { id: row.referrer.id, name: row.referrer.name },
    referred: { id: row.referred.id, name: row.referred.name },
    source: row.referral.source,
    evidence: row.referral.evidence as Record<string, unknown>,
    referredAt: row.referral.referredAt.toISOString(),
    recordedBy: row.referral.createdByName,
    createdAt: row.referral.createdAt.toISOString(),
    rewardStatus: row.reward ? row.reward.status.toUpperCase() : 'NONE',
    rewardId: row.reward?.id ?? null,
    voided: row.referral.voidedAt
      ? {
          at: row.referral.voidedAt.toISOString(),
          by: row.referral.voidedByName ?? row.referral.voidedBy ?? '',
          reason: row.referral.voidReason ?? '',
        }
      : null,
  };
}

export async function listReferrals(
  deps: Deps,
  actor: Actor,
  query: {
    limit: number;
    cursor?: string | undefined;
    referrerId?: string | undefined;
    referredId?: string | undefined;
  },
) {
  const rows = await referralRows(
    deps.db,
    actor.workspaceId,
    { referrerId: query.referrerId, referredId: query.referredId },
    { limit: query.limit, after: decodeCursor(query.cursor) },
  );
  return toPage(
    rows.map((row) => ({ ...row, createdAt: row.referral.createdAt, id: row.referral.id })),
    query.limit,
    presentReferral,
  );
}

export async function getReferral(deps: Deps, actor: Actor, id: string) {
  const [referral] = await presentReferrals(deps.db, actor.workspaceId, { ids: [id] }, { limit: 1 });
  if (!referral) throw notFound('Referral');
  return referral;
}
