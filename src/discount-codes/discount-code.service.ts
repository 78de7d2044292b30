/**
 * Discount codes: a discount_code reward gets its code when approved — generated, or the next
 * one from the pool the owner uploaded. An empty pool leaves the reward approved and waiting,
 * with a notice for staff; uploading codes hands them to the waiting rewards at once. A code is
 * redeemed once (at checkout, by the shop's system).
 */
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { findParticipant } from '../participants/index.js';
import { currentPolicy } from '../policy/index.js';
import type { RewardEffect, RewardMove, RewardRow } from '../rewards/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import {
  codeViewStatus,
  decideRedeem,
  generateCode,
  normalizeCode,
  POOL_EMPTY_NOTICE,
  parsePool,
  VOIDING_REWARD_STATUSES,
} from './discount-code.core.js';
import {
  codesOfParticipant,
  type DiscountCodeRow,
  existingCodes,
  findCode,
  insertCodes,
  issuedCodeOfReward,
  lockRewardStatus,
  markRedeemed,
  poolCounts,
  rewardsWaitingForCodes,
  setRewardCode,
  takePoolCode,
} from './discount-code.repo.js';
import type { DiscountCode } from './discount-code.schema.js';

type Env = { actor: Actor; at: Date };

/** A code as the API shows it; with its reward's status, an issued code of a closed reward is void. */
export function presentCode(row: DiscountCodeRow, rewardStatus: string | null = null): DiscountCode {
  return {
    code: row.code,
    source: row.source,
    status: codeViewStatus(row.status, rewardStatus),
    rewardId: row.rewardId,
    participantId: row.participantId,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    issuedAt: row.issuedAt?.toISOString() ?? null,
    redeemedAt: row.redeemedAt?.toISOString() ?? null,
    redeemedReference: row.redeemedReference,
  };
}

/** Gives a reward its code; false when the pool is empty (the reward waits). */
async function giveCode(tx: Tx, env: Env, reward: Pick<RewardRow, 'workspaceId' | 'id' | 'payeeId' | 'programId'>) {
  const policy = await currentPolicy(tx, reward.workspaceId, reward.programId);
  // Valid for the policy's days from when it is given; a pool line's own expiry wins.
  const expiresAt = policy.codeValidDays ? new Date(env.at.getTime() + policy.codeValidDays * 86_400_000) : null;
  let code: string | undefined;
  if (policy.codeSource === 'pool') {
    code = await takePoolCode(tx, {
      workspaceId: reward.workspaceId,
      rewardId: reward.id,
      participantId: reward.payeeId,
      at: env.at,
      expiresAt,
    });
  } else {
    code = generateCode(policy.codePrefix, randomBytes(15));
    await insertCodes(tx, [
      {
        workspaceId: reward.workspaceId,
        code,
        source: 'generated',
        status: 'issued',
        rewardId: reward.id,
        participantId: reward.payeeId,
        issuedAt: env.at,
        expiresAt,
        createdBy: env.actor.id,
        createdAt: env.at,
      },
    ]);
  }
  if (!code) {
    await recordAudit(tx, env.actor, env.at, {
      action: 'discount_code.pool_empty',
      objectType: 'reward',
      objectId: reward.id,
      after: { notice: POOL_EMPTY_NOTICE },
    });
    return false;
  }
  await setRewardCode(tx, reward.workspaceId, reward.id, code);
  await recordAudit(tx, env.actor, env.at, {
    action: 'discount_code.issued',
    objectType: 'reward',
    objectId: reward.id,
    after: { code, source: policy.codeSource },
  });
  return true;
}

async function afterMove(tx: Tx, env: Env, move: RewardMove) {
  const reward = move.after;
  if (reward.rewardType !== 'discount_code') return;
  if (move.action === 'mark_sent' && !reward.discountCode) {
    throw new AppError('invalid_transition', `This reward has no discount code yet. ${POOL_EMPTY_NOTICE}`, {
      details: { notice: POOL_EMPTY_NOTICE },
    });
  }
  if (reward.status === 'pending' && !reward.discountCode) await giveCode(tx, env, reward);
  if (VOIDING_REWARD_STATUSES.includes(reward.status) && !VOIDING_REWARD_STATUSES.includes(move.before.status)) {
    // Reversed, declined or rejected: its code, not yet redeemed, is void from now on.
    const issued = await issuedCodeOfReward(tx, reward.workspaceId, reward.id);
    if (issued) {
      await recordAudit(tx, env.actor, env.at, {
        action: 'discount_code.voided',
        objectType: 'reward',
        objectId: reward.id,
        before: { code: issued.code, status: 'issued' },
        after: { code: issued.code, status: 'void', rewardStatus: reward.status },
      });
    }
  }
}

/**
 * A paid discount-code reward is reversed: a code not yet redeemed is void (afterMove), so the
 * whole reward is taken back; a redeemed one was used and needs a recovery task.
 */
async function takeBack(tx: Tx, _env: Env, reward: RewardRow): Promise<number> {
  if (reward.rewardType !== 'discount_code') return 0;
  return (await issuedCodeOfReward(tx, reward.workspaceId, reward.id)) ? reward.amount : 0;
}

export const discountCodeEffect: RewardEffect = { name: 'discount-codes', afterMove, takeBack };

/**
 * Adds the uploaded codes to the pool, all or none: a bad line, a code twice in the file, or a
 * code the workspace already has refuses the upload naming the lines. Rewards waiting for a
 * code get theirs from the new codes in the same transaction.
 */
export async function uploadPool(deps: Deps, actor: Actor, text: string) {
  const at = deps.clock.now();
  const { codes, problems } = parsePool(text, at);
  if (problems.length === 0 && codes.length === 0) {
    throw new AppError('validation_failed', 'The file holds no codes: one code a line.', { field: 'body' });
  }
  if (codes.length > 100_000) {
    throw new AppError('validation_failed', 'At most 100,000 codes an upload.', { field: 'body' });
  }
  return inTransaction(deps.db, async (tx) => {
    const known = await existingCodes(
      tx,
      actor.workspaceId,
      codes.map((line) => line.code),
    );
    const all = [
      ...problems,
      ...codes
        .filter((line) => known.has(line.code))
        .map((line) => ({ line: line.line, message: `${line.code} is already in the workspace.` })),
    ].sort((a, b) => a.line - b.line);
    if (all.length > 0) {
      throw new AppError(
        'validation_failed',
        `Nothing was added: ${all.length} line${all.length === 1 ? '' : 's'} to fix (line ${all[0]?.line}: ${all[0]?.message})`,
        { field: 'body', errors: all.slice(0, 100).map((p) => ({ field: `line ${p.line}`, message: p.message })) },
      );
    }
    await insertCodes(
      tx,
      codes.map((line, index) => ({
        workspaceId: actor.workspaceId,
        code: line.code,
        source: 'pool' as const,
        status: 'available' as const,
        expiresAt: line.expiresAt,
        createdBy: actor.id,
        // The file's order is the order codes are given out in.
        createdAt: new Date(at.getTime() + index),
      })),
    );
    await recordAudit(tx, actor, at, {
      action: 'discount_code.pool_uploaded',
      objectType: 'discount_code_pool',
      objectId: actor.workspaceId,
      after: { added: codes.length },
    });
    let assigned = 0;
    for (const waiting of await rewardsWaitingForCodes(tx, actor.workspaceId, codes.length)) {
      if (await giveCode(tx, { actor, at }, { ...waiting, workspaceId: actor.workspaceId })) {
        assigned += 1;
      } else break;
    }
    return { added: codes.length, assigned, ...(await poolCounts(tx, actor.workspaceId)) };
  });
}

export async function getPool(deps: Deps, actor: Actor) {
  return poolCounts(deps.db, actor.workspaceId);
}

export async function participantCodes(deps: Deps, actor: Actor, participantId: string) {
  const participant = await findParticipant(deps.db, actor.workspaceId, participantId);
  if (!participant) throw notFound('Participant', 'id');
  const rows = await codesOfParticipant(deps.db, actor.workspaceId, participantId);
  return { codes: rows.map((row) => presentCode(row, row.rewardStatus)) };
}

/** Redeems an issued code once; twice is 409, a void code (its reward reversed) 409, an unknown code 404. */
export async function redeemCode(deps: Deps, actor: Actor, rawCode: string, input: { reference: string }) {
  const at = deps.clock.now();
  const code = normalizeCode(rawCode);
  return inTransaction(deps.db, async (tx) => {
    const row = await findCode(tx, actor.workspaceId, code);
    if (!row) throw new AppError('not_found', `No discount code ${code}.`, { field: 'code' });
    // Locked: a reversal of the reward waits for this redemption, or this one sees it.
    const rewardStatus = row.rewardId ? await lockRewardStatus(tx, actor.workspaceId, row.rewardId) : null;
    const decision = decideRedeem(row, at, rewardStatus);
    if (!decision.ok) throw new AppError(decision.code, decision.message, { field: 'code' });
    const redeemed = await markRedeemed(tx, { workspaceId: actor.workspaceId, code, reference: input.reference, at });
    if (!redeemed) {
      // Another redemption got there between the read and the write.
      throw new AppError('already_redeemed', `${code} was already redeemed.`, { field: 'code' });
    }
    await recordAudit(tx, actor, at, {
      action: 'discount_code.redeemed',
      objectType: 'reward',
      objectId: redeemed.rewardId ?? code,
      after: { code, reference: input.reference },
    });
    return presentCode(redeemed);
  });
}
