/**
 * The order job: places queued gift-card orders with Tremendous and records what it answered.
 * Crash-safe like the message outbox: orders are leased with SKIP LOCKED (several jobs in
 * several processes share the work); a job that dies between ordering and recording leaves
 * the order leased, and when the lease runs out the next job asks again under the same
 * external id — Tremendous answers with the order it already has, so nothing is ordered twice.
 */
import type { FastifyBaseLogger } from 'fastify';
import { recordAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import { tremendousConnection } from '../integrations/index.js';
import { findParticipant } from '../participants/index.js';
import { createRecoveryTask, failLockedReward, findReward, lockReward, sendLockedReward } from '../rewards/index.js';
import { systemActor } from '../shared/actor.js';
import type { Clock } from '../shared/clock.js';
import { formatMoney } from '../shared/currency.js';
import { decideOrder, type OrderOutcome } from './fulfilment.core.js';
import {
  type FulfilmentOrderRow,
  finishOrder,
  leaseDueOrders,
  openPayoutBatchOf,
  releaseOrderLeases,
  renewOrderLease,
} from './fulfilment.repo.js';
import { getTremendousOrder, placeTremendousOrder, rejectTremendousOrder } from './tremendous.client.js';

/** Not asked at all: the order cannot or must not be placed, and why. */
type NotOrdered = { notOrdered: string };

/** A reward still owed the gift card: any other status means it was closed (reversed) meanwhile. */
const stillOwed = (status: string) => status === 'pending' || status === 'failed';

/** The answer, and what came of asking Tremendous to reject an order whose reward was closed. */
type Asked = OrderOutcome & { cancelAttempt?: { rejected: boolean; answer: string } };

export interface FulfilmentJobOptions {
  db: Db;
  clock: Clock;
  publicUrl: string;
  /** Decrypts the Tremendous API key (REWARDLOOP_SECRET_KEY). */
  secretKey: Buffer | undefined;
  leaseMs?: number;
  batchSize?: number;
  random?: () => number;
  logger?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

export function createFulfilmentJob(options: FulfilmentJobOptions) {
  const { db, clock } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 10;
  const random = options.random ?? Math.random;

  /** Asks the provider, or decides without asking when the order cannot be placed. */
  async function ask(order: FulfilmentOrderRow): Promise<Asked | NotOrdered> {
    const reward = await findReward(db, order.workspaceId, order.rewardId);
    if (!reward) return { notOrdered: 'the reward is gone' };
    const placed = order.providerOrderId !== null;
    // An order never placed for a claim that is no longer approved is not placed now.
    if (!placed && reward.status !== 'pending')
      return { notOrdered: `the reward is ${reward.status.replace('_', ' ')}` };
    const batch = placed ? undefined : await openPayoutBatchOf(db, order.workspaceId, order.rewardId);
    if (batch) return { notOrdered: `the reward is in payout batch ${batch}, which finance pays` };
    const connection = await tremendousConnection(db, options.secretKey, order.workspaceId);
    if (!connection) {
      return {
        kind: 'refused',
        orderId: order.providerOrderId,
        providerStatus: null,
        reason:
          'Tremendous is not connected, or its API key cannot be read with this server’s key: connect it in Settings → Integrations, then retry.',
      };
    }
    if (placed && order.status === 'waiting') {
      const orderId = order.providerOrderId as string;
      if (!stillOwed(reward.status)) {
        // The reward was closed while the order waits for approval: ask Tremendous to reject it.
        const rejected = await rejectTremendousOrder(connection, orderId);
        if (rejected.kind === 'refused' && rejected.orderId) {
          return {
            ...rejected,
            reason: `Cancelled at Tremendous (order ${orderId} ${rejected.providerStatus}): the reward was ${reward.status.replace('_', ' ')} first.`,
            cancelAttempt: { rejected: true, answer: rejected.providerStatus ?? 'CANCELED' },
          };
        }
        // Not rejected (approvals via API off, 403; already executed; no answer): still watched,
        // and a recovery task opens if it executes.
        const answer =
          rejected.kind === 'refused' || rejected.kind === 'retry' ? rejected.reason : rejected.providerStatus;
        const current = await getTremendousOrder(connection, orderId);
        return { ...current, cancelAttempt: { rejected: false, answer } };
      }
      return getTremendousOrder(connection, orderId);
    }
    const referrer = await findParticipant(db, order.workspaceId, reward.payeeId);
    if (!referrer?.email) {
      return {
        kind: 'refused',
        orderId: null,
        providerStatus: null,
        reason: 'The referrer has no email address to deliver the gift card to: add one, then retry.',
      };
    }
    return placeTremendousOrder(connection, {
      externalId: order.externalId,
      amount: order.amount,
      currency: order.currency,
      recipient: { name: referrer.name, email: referrer.email },
    });
  }

  async function record(order: FulfilmentOrderRow, outcome: Asked | NotOrdered) {
    const at = clock.now();
    const actor = systemActor(order.workspaceId, 'Tremendous');
    const env = { actor, at, publicUrl: options.publicUrl };
    await inTransaction(db, async (tx) => {
      const reward = await lockReward(tx, order.workspaceId, order.rewardId);
      if ('notOrdered' in outcome) {
        await finishOrder(tx, order, {
          status: 'failed',
          lastError: `Not ordered: ${outcome.notOrdered}.`,
          updatedAt: at,
        });
        return;
      }
      if (outcome.cancelAttempt) {
        await recordAudit(tx, actor, at, {
          action: outcome.cancelAttempt.rejected ? 'fulfilment.cancelled' : 'fulfilment.cancel_refused',
          objectType: 'reward',
          objectId: order.rewardId,
          after: {
            orderId: order.providerOrderId,
            answer: outcome.cancelAttempt.answer,
            rewardStatus: reward?.status ?? null,
          },
        });
      }
      const decision = decideOrder(outcome, order.attempts, random);
      const common = { providerOrderId: decision.orderId ?? order.providerOrderId, updatedAt: at };
      switch (decision.order) {
        case 'executed': {
          if (
            !(await finishOrder(tx, order, {
              ...common,
              status: 'executed',
              providerStatus: decision.providerStatus,
              lastError: null,
            }))
          )
            return;
          if (reward && stillOwed(reward.status)) {
            await sendLockedReward(tx, env, reward, {
              reference: decision.orderId,
              note: `Gift card ordered from Tremendous (order ${decision.orderId}).`,
            });
          } else {
            await recordAudit(tx, actor, at, {
              action: 'fulfilment.executed_after_close',
              objectType: 'reward',
              objectId: order.rewardId,
              after: { orderId: decision.orderId, rewardStatus: reward?.status ?? null },
            });
            // The card went out for a reward closed meanwhile (voided, refunded): a person has
            // to get it back, like any reward paid and then reversed.
            if (reward) {
              await createRecoveryTask(
                tx,
                env,
                reward,
                reward.conversionId,
                'recovery',
                order.amount,
                `Gift card delivered after the reward was ${reward.status.replace('_', ' ')}: Tremendous executed order ${decision.orderId} for ${formatMoney(order.amount, order.currency)}; recover the card or its value.`,
              );
            }
          }
          return;
        }
        case 'waiting': {
          const updated = await finishOrder(tx, order, {
            ...common,
            status: 'waiting',
            providerStatus: decision.providerStatus,
            attempts: 0,
            lastError: null,
            nextAttemptAt: new Date(at.getTime() + decision.recheckInMs),
          });
          if (updated && order.status !== 'waiting') {
            await recordAudit(tx, actor, at, {
              action: 'fulfilment.waiting',
              objectType: 'reward',
              objectId: order.rewardId,
              after: { orderId: decision.orderId, providerStatus: decision.providerStatus },
            });
          }
          return;
        }
        case 'queued': {
          // No answer, or the provider's own trouble: the same external id is asked again later.
          await finishOrder(tx, order, {
            ...common,
            status: order.status === 'waiting' ? 'waiting' : 'queued',
            lastError: decision.error,
            nextAttemptAt: new Date(at.getTime() + decision.retryInMs),
          });
          return;
        }
        case 'failed': {
          if (
            !(await finishOrder(tx, order, {
              ...common,
              status: 'failed',
              providerStatus: decision.providerStatus,
              lastError: decision.reason,
            }))
          )
            return;
          if (reward?.status === 'pending') await failLockedReward(tx, env, reward, decision.reason);
          return;
        }
      }
    });
  }

  async function handle(order: FulfilmentOrderRow) {
    // The batch was leased at once; ordering takes time. Renew just before asking, so no other
    // job can have taken this order over meanwhile.
    const renewed = await renewOrderLease(db, order, new Date(clock.now().getTime() + leaseMs));
    if (!renewed) return;
    const outcome = await ask(renewed);
    await record(renewed, outcome);
    if ('kind' in outcome && outcome.kind !== 'executed' && outcome.kind !== 'waiting') {
      options.logger?.warn({ rewardId: order.rewardId, outcome }, 'gift card not ordered');
    }
  }

  /** Orders what is due now; answers how many orders it handled. */
  async function runOnce(): Promise<number> {
    const now = clock.now();
    const batch = await leaseDueOrders(db, now, new Date(now.getTime() + leaseMs), batchSize);
    for (const [index, order] of batch.entries()) {
      if (stopped) {
        await releaseOrderLeases(db, batch.slice(index));
        return index;
      }
      try {
        await handle(order);
      } catch (error) {
        // The lease runs out and the order is asked for again under the same external id.
        options.logger?.error({ err: error, rewardId: order.rewardId }, 'ordering a gift card failed');
      }
    }
    return batch.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  return {
    runOnce,
    start(intervalMs = 5000) {
      const tick = async () => {
        if (stopped) return;
        try {
          for (;;) {
            running = runOnce();
            if (stopped || (await running) !== batchSize) break;
          }
        } catch (error) {
          options.logger?.error({ err: error }, 'fulfilment poll failed');
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type FulfilmentJob = ReturnType<typeof createFulfilmentJob>;
