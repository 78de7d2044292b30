/**
 * What an outgoing webhook's `data` is: the object as the API shows it, read by the features
 * that own it. Composed here, not in webhooks/, because those features write webhook events
 * (webhooks/ importing them would close a cycle).
 */
import { getConversion } from './conversions/index.js';
import type { Db } from './db/client.js';
import { getDispute } from './disputes/index.js';
import { getBatch } from './payouts/index.js';
import { presentRewardsByIds } from './rewards/index.js';
import { systemActor } from './shared/actor.js';
import { isAppError } from './shared/errors.js';
import type { WebhookDataRenderer } from './webhooks/index.js';

export function webhookDataRenderer(base: { publicUrl: string; clock: { now(): Date } }): WebhookDataRenderer {
  return async (db: Db, workspaceId, type, objectId) => {
    const deps = { db, clock: base.clock, publicUrl: base.publicUrl };
    const actor = systemActor(workspaceId, 'Webhooks');
    try {
      if (type.startsWith('reward.')) return (await presentRewardsByIds(db, workspaceId, [objectId]))[0] ?? null;
      if (type.startsWith('conversion.')) return await getConversion(deps, actor, objectId);
      if (type.startsWith('payout_batch.')) return await getBatch(deps, actor, objectId);
      return await getDispute(deps, actor, objectId);
    } catch (error) {
      // Gone since (a deleted participant's objects): the event still says what happened.
      if (isAppError(error) && error.code === 'not_found') return null;
      throw error;
    }
  };
}
