/**
 * Account credit: issued when an account_credit reward is sent, redeemed by the billing system,
 * taken back when the sale behind it is refunded. The ledger is append-only and the balance
 * lives in the database, which refuses to let it go negative, so two redemptions of the same
 * balance cannot both pass.
 */
import { recordAudit } from '../audit/index.js';
import type { Tx } from '../db/client.js';
import { sqlState } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { findParticipant } from '../participants/index.js';
import type { RewardEffect, RewardMove, RewardRow } from '../rewards/index.js';
import type { Actor } from '../shared/actor.js';
import { formatMoney } from '../shared/currency.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decideRedemption, splitReversal } from './credit.core.js';
import { appendEntry, balancesFor, type CreditEntryRow, entriesOf, lockBalance, rewardEntry } from './credit.repo.js';
import type { CreditEntry, Credits, RedeemCredit } from './credit.schema.js';

type Env = { actor: Actor; at: Date };

function presentEntry(row: CreditEntryRow): CreditEntry {
  return {
    id: row.id,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    rewardId: row.rewardId,
    reference: row.reference,
    createdBy: row.createdByName,
    createdAt: row.createdAt.toISOString(),
  };
}

async function participantOrThrow(db: Deps['db'] | Tx, workspaceId: string, id: string) {
  const participant = await findParticipant(db, workspaceId, id);
  if (!participant) throw notFound('Participant', 'id');
  return participant;
}

export async function getCredits(deps: Deps, actor: Actor, participantId: string): Promise<Credits> {
  await participantOrThrow(deps.db, actor.workspaceId, participantId);
  const [balances, entries] = [
    await balancesFor(deps.db, actor.workspaceId, participantId),
    await entriesOf(deps.db, actor.workspaceId, participantId),
  ];
  return { participantId, balances, entries: entries.map(presentEntry) };
}

export async function redeemCredit(deps: Deps, actor: Actor, participantId: string, input: RedeemCredit) {
  const at = deps.clock.now();
  const refuse = (balance: number) =>
    new AppError(
      'insufficient_credit',
      `Not enough credit: the balance is ${formatMoney(balance, input.currency)}, ${formatMoney(input.amount, input.currency)} was asked for.`,
      { field: 'amount', details: { balance, currency: input.currency } },
    );
  try {
    return await inTransaction(deps.db, async (tx) => {
      await participantOrThrow(tx, actor.workspaceId, participantId);
      const balance = await lockBalance(tx, actor.workspaceId, participantId, input.currency);
      const decision = decideRedemption(balance, input.amount);
      if (!decision.ok) throw refuse(balance);
      const entry = await appendEntry(tx, {
        workspaceId: actor.workspaceId,
        id: newId('creditEntry', at.getTime()),
        participantId,
        kind: 'redeemed',
        amount: input.amount,
        currency: input.currency,
        reference: input.reference,
        createdBy: actor.id,
        createdByName: actor.name,
        createdAt: at,
      });
      if (!entry) throw new Error('credit entry not written');
      await recordAudit(tx, actor, at, {
        action: 'credit.redeemed',
        objectType: 'participant',
        objectId: participantId,
        before: { balance, currency: input.currency },
        after: { balance: decision.balanceAfter, amount: input.amount, reference: input.reference },
      });
      return { entry: presentEntry(entry), balance: { currency: input.currency, amount: decision.balanceAfter } };
    });
  } catch (error) {
    // The database's own refusal (the balance's check): another redemption got there first.
    if (sqlState(error) === '23514') {
      const balance = await lockBalance(deps.db, actor.workspaceId, participantId, input.currency);
      throw refuse(balance);
    }
    throw error;
  }
}

async function afterMove(tx: Tx, env: Env, move: RewardMove) {
  const reward = move.after;
  if (reward.rewardType !== 'account_credit' || move.action !== 'mark_sent' || reward.amount <= 0) return;
  const entry = await appendEntry(tx, {
    workspaceId: reward.workspaceId,
    id: newId('creditEntry', env.at.getTime()),
    participantId: reward.payeeId,
    kind: 'issued',
    amount: reward.amount,
    currency: reward.currency,
    rewardId: reward.id,
    reference: reward.sentReference ?? `reward ${reward.id}`,
    createdBy: env.actor.id,
    createdByName: env.actor.name,
    createdAt: env.at,
  });
  if (entry) {
    await recordAudit(tx, env.actor, env.at, {
      action: 'credit.issued',
      objectType: 'participant',
      objectId: reward.payeeId,
      after: { rewardId: reward.id, amount: reward.amount, currency: reward.currency },
    });
  }
}

/** A paid credit reward reversed: what is left of it is taken back; the rest is owed (a recovery task). */
async function takeBack(tx: Tx, env: Env, reward: RewardRow): Promise<number> {
  if (reward.rewardType !== 'account_credit') return 0;
  const issued = await rewardEntry(tx, reward.workspaceId, reward.id, 'issued');
  if (!issued) return 0;
  const already = await rewardEntry(tx, reward.workspaceId, reward.id, 'reversed');
  if (already) return already.amount;
  const balance = await lockBalance(tx, reward.workspaceId, issued.participantId, issued.currency);
  const { takeBack: amount, owed } = splitReversal(issued.amount, balance);
  if (amount > 0) {
    await appendEntry(tx, {
      workspaceId: reward.workspaceId,
      id: newId('creditEntry', env.at.getTime()),
      participantId: issued.participantId,
      kind: 'reversed',
      amount,
      currency: issued.currency,
      rewardId: reward.id,
      reference: `reward ${reward.id} reversed`,
      createdBy: env.actor.id,
      createdByName: env.actor.name,
      createdAt: env.at,
    });
  }
  await recordAudit(tx, env.actor, env.at, {
    action: 'credit.reversed',
    objectType: 'participant',
    objectId: issued.participantId,
    after: { rewardId: reward.id, takenBack: amount, alreadySpent: owed, currency: issued.currency },
  });
  return amount;
}

export const creditEffect: RewardEffect = { name: 'credits', afterMove, takeBack };
