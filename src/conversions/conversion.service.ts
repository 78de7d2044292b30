import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import { lockName } from '../db/advisory-lock.js';
import type { Tx } from '../db/client.js';
import { conversions } from '../db/schema.js';
import { keepStatistics, noteWrites } from '../db/statistics.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { openDispute } from '../disputes/index.js';
import { observeConversion } from '../ops/index.js';
import {
  addSignals,
  findParticipantByExternalId,
  lockParticipant,
  type ParticipantRow,
} from '../participants/index.js';
import { getDefaultProgram } from '../policy/index.js';
import {
  applyReversals,
  type ClaimEnv,
  createClaimForConversion,
  findLiveRewardForReferred,
  presentRewardsByIds,
} from '../rewards/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { isReversal } from '../shared/vocabulary.js';
import { enqueueWebhookEvent } from '../webhooks/index.js';
import {
  type ConversionRow,
  conversionsAwaiting,
  findConversion,
  findConversionByExternalId,
  insertConversionOnce,
  listConversionRows,
  unlinkedReversalsNaming,
} from './conversion.repo.js';
import {
  type ConversionInput,
  type ConversionOutcome,
  type ConversionResult,
  OUTCOME_TEXT,
} from './conversion.schema.js';

export const DEFAULT_SOURCE = 'api';

/** The event's identity-defining fields: a replay must match them exactly. */
export function eventHash(input: ConversionInput): string {
  const fields = {
    type: input.type,
    referredId: input.referredId ?? null,
    referredExternalId: input.referredExternalId ?? null,
    amount: input.amount,
    currency: input.currency,
    occurredAt: input.occurredAt ? new Date(input.occurredAt).toISOString() : null,
    originalExternalId: input.originalExternalId ?? null,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export function presentConversion(row: ConversionRow) {
  return {
    id: row.id,
    externalId: row.externalId,
    source: row.source,
    type: row.type,
    referredId: row.referredId,
    referredExternalId: row.referredExternalId,
    amount: row.amount,
    currency: row.currency,
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
    originalExternalId: row.originalExternalId,
    reversesConversionId: row.reversesConversionId,
    outcome: row.outcome as ConversionOutcome,
  };
}

/**
 * Applies an event that is now about a known customer: a sale makes (or flags) a claim and picks
 * up refunds that arrived before it; a refund reverses what its original conversion produced.
 */
async function applyConversion(
  tx: Tx,
  env: ClaimEnv,
  row: ConversionRow,
  lockedReferred?: ParticipantRow,
): Promise<{ outcome: ConversionOutcome; rewardIds: string[]; reversesConversionId?: string }> {
  const workspaceId = env.actor.workspaceId;
  if (isReversal(row.type)) {
    let original = row.originalExternalId
      ? await findConversionByExternalId(tx, workspaceId, row.source, row.originalExternalId)
      : undefined;
    if (!original && !row.originalExternalId && row.referredId) {
      const program = await getDefaultProgram(tx, workspaceId);
      const claim = await findLiveRewardForReferred(tx, workspaceId, program.id, row.referredId);
      if (claim?.conversionId) original = await findConversion(tx, workspaceId, claim.conversionId);
    }
    if (!original) return { outcome: 'reversal_pending', rewardIds: [] };
    await tx
      .update(conversions)
      .set({ reversesConversionId: original.id })
      .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, row.id)));
    const applied = await applyReversals(tx, env, original, row);
    return {
      outcome: applied.affected.length > 0 ? 'reversal_applied' : 'reversal_recorded',
      rewardIds: applied.affected,
      reversesConversionId: original.id,
    };
  }
  // Refunds of this sale that arrived first were kept: link them now, and the claim (if any) is
  // created already knowing them, so the end state is the same whichever order events came in.
  const early = await unlinkedReversalsNaming(tx, workspaceId, row.source, row.externalId);
  for (const reversal of early) {
    await tx
      .update(conversions)
      .set({ reversesConversionId: row.id, outcome: 'reversal_applied' })
      .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, reversal.id)));
  }
  return createClaimForConversion(tx, { ...env, openDispute }, row, lockedReferred);
}

/**
 * One event through the one-event path, in the caller's transaction: the reference the batch
 * engine agrees with, and the path it hands the events it cannot decide in memory.
 */
export async function recordConversionInTx(
  tx: Tx,
  env: ClaimEnv,
  input: ConversionInput,
): Promise<{ created: boolean; body: ConversionResult }> {
  const { actor, at } = env;
  const source = input.source ?? DEFAULT_SOURCE;
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : at;
  if (occurredAt.getTime() > at.getTime() + 86_400_000) {
    throw new AppError('validation_failed', 'The field `occurredAt`: must not be more than a day in the future.', {
      field: 'occurredAt',
    });
  }
  const hash = eventHash(input);
  const workspaceId = actor.workspaceId;
  // A sale and a refund naming it, or a conversion and the customer it names by the CRM's id,
  // may arrive at the same moment: these locks make the second wait for the first and see it.
  if (input.referredExternalId) await lockName(tx, `participant-external:${workspaceId}:${input.referredExternalId}`);
  const saleId = isReversal(input.type) ? input.originalExternalId : input.externalId;
  if (saleId) await lockName(tx, `sale:${workspaceId}:${source}:${saleId}`);
  let referred: ParticipantRow | undefined;
  if (input.referredId) {
    // Locked now: claim creation for one customer happens one at a time (see the claim engine).
    referred = await lockParticipant(tx, workspaceId, input.referredId);
    if (!referred) throw notFound('Participant', 'referredId');
    if (input.referredExternalId && referred.externalId !== input.referredExternalId) {
      throw new AppError('unprocessable', 'referredId and referredExternalId name different participants.', {
        field: 'referredExternalId',
      });
    }
  } else if (input.referredExternalId) {
    const byExternalId = await findParticipantByExternalId(tx, workspaceId, input.referredExternalId);
    referred = byExternalId ? await lockParticipant(tx, workspaceId, byExternalId.id) : undefined;
  }
  const inserted = await insertConversionOnce(tx, {
    workspaceId,
    id: newId('conversion', at.getTime()),
    source,
    externalId: input.externalId,
    type: input.type,
    referredId: referred?.id ?? null,
    referredExternalId: input.referredExternalId ?? referred?.externalId ?? null,
    amount: input.amount,
    currency: input.currency,
    occurredAt,
    receivedAt: at,
    originalExternalId: input.originalExternalId ?? null,
    paymentFingerprint: input.paymentFingerprint ?? null,
    requestHash: hash,
    outcome: 'awaiting_participant',
    createdBy: actor.id,
  });
  if (!inserted) {
    const existing = await findConversionByExternalId(tx, workspaceId, source, input.externalId);
    if (!existing?.result)
      throw new AppError('idempotency_in_progress', 'This event is being recorded; retry shortly.');
    if (existing.requestHash !== hash) {
      throw new AppError(
        'conversion_mismatch',
        `Event ${source}/${input.externalId} was already received with different data; events are immutable. Send a refund or a new event instead.`,
        { field: 'externalId' },
      );
    }
    return { created: false, body: existing.result as ConversionResult };
  }
  if (referred && input.paymentFingerprint) {
    await addSignals(
      tx,
      workspaceId,
      referred.id,
      [
        {
          kind: 'payment_fingerprint',
          value: input.paymentFingerprint,
          source: `conversion ${source}/${input.externalId}`,
        },
      ],
      at,
    );
  }
  const applied: { outcome: ConversionOutcome; rewardIds: string[]; reversesConversionId?: string } =
    referred || (isReversal(inserted.type) && input.originalExternalId)
      ? await applyConversion(tx, env, inserted, referred)
      : { outcome: 'awaiting_participant', rewardIds: [] };
  const { outcome, rewardIds } = applied;
  const body: ConversionResult = {
    conversion: presentConversion({
      ...inserted,
      reversesConversionId: applied.reversesConversionId ?? inserted.reversesConversionId,
      outcome,
    }),
    outcome,
    outcomeText: OUTCOME_TEXT[outcome],
    rewards: await presentRewardsByIds(tx, workspaceId, rewardIds),
  };
  await tx
    .update(conversions)
    .set({ outcome, result: body })
    .where(and(eq(conversions.workspaceId, workspaceId), eq(conversions.id, inserted.id)));
  await recordAudit(tx, actor, at, {
    action: 'conversion.recorded',
    objectType: 'conversion',
    objectId: inserted.id,
    after: {
      source,
      externalId: input.externalId,
      type: input.type,
      amount: input.amount,
      currency: input.currency,
      outcome,
      rewardIds,
    },
  });
  await enqueueWebhookEvent(tx, { workspaceId, type: 'conversion.recorded', objectId: inserted.id, at });
  return { created: true, body };
}

/**
 * One event in its own transaction through the one-event path (tests and the backfill bench
 * compare the engine to it). It keeps the planner's statistics as the engine does: without them a
 * history sent one by one is planned as if its workspace were still empty (PGlite has no
 * autovacuum), and each event gets slower than the last.
 */
export async function recordConversionOneByOne(deps: Deps, actor: Actor, input: ConversionInput) {
  const env: ClaimEnv = { actor, at: deps.clock.now(), publicUrl: deps.publicUrl };
  const result = observeConversion(await inTransaction(deps.db, (tx) => recordConversionInTx(tx, env, input)));
  if (result.created) {
    const rewards = result.body.rewards.length;
    noteWrites(deps.db, { conversions: 1, rewards, reward_flags: rewards });
    await keepStatistics(deps.db);
  }
  return result;
}

/**
 * Events that named a customer by the CRM's id before we knew them are applied once they appear.
 * participants/ calls this when a participant gets an external id (passed in by the app, since
 * conversions depends on participants and not the other way round).
 */
export async function linkAwaitingConversions(tx: Tx, env: ClaimEnv, participant: ParticipantRow) {
  if (!participant.externalId) return;
  for (const row of await conversionsAwaiting(tx, env.actor.workspaceId, participant.externalId)) {
    await tx
      .update(conversions)
      .set({ referredId: participant.id })
      .where(and(eq(conversions.workspaceId, row.workspaceId), eq(conversions.id, row.id)));
    const { outcome } = await applyConversion(tx, env, { ...row, referredId: participant.id });
    await tx
      .update(conversions)
      .set({ outcome })
      .where(and(eq(conversions.workspaceId, row.workspaceId), eq(conversions.id, row.id)));
  }
}

export async function listConversions(
  deps: Deps,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; referredId?: string | undefined; type?: string | undefined },
) {
  const rows = await listConversionRows(
    deps.db,
    actor.workspaceId,
    { referredId: query.referredId, type: query.type },
    { limit: query.limit, after: decodeCursor(query.cursor) },
  );
  return toPage(
    rows.map((row) => ({ ...row, id: row.conversion.id, createdAt: row.conversion.receivedAt })),
    query.limit,
    (row) => ({ ...presentConversion(row.conversion), referredName: row.referredName }),
  );
}

export async function getConversion(deps: Deps, actor: Actor, id: string) {
  const row = await findConversion(deps.db, actor.workspaceId, id);
  if (!row) throw notFound('Conversion');
  return presentConversion(row);
}
