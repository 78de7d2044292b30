import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import type { Channel } from './consent.core.js';

export interface ChannelOutbox {
  /** Queued or being sent. */
  waiting: number;
  /** Refused because of our configuration (sender address, credentials); waiting for a fix. */
  held: number;
  /** The provider's most recent answer to a held message: what to fix. */
  heldBecause: string | null;
}

/**
 * What waits in the outbox per channel, for /healthz (every workspace) and Settings (one).
 * Serves from messages_due_idx for waiting messages; held ones are few by nature.
 */
export async function outboxStatus(db: Db, workspaceId?: string): Promise<Record<Channel, ChannelOutbox>> {
  const rows = rowsOf<{ channel: Channel; waiting: number; held: number; held_because: string | null }>(
    await db.execute(sql`
      select channel,
        count(*) filter (where status in ('queued', 'sending'))::int as waiting,
        count(*) filter (where status = 'held')::int as held,
        (array_agg(last_error order by created_at desc) filter (where status = 'held'))[1] as held_because
      from messages
      where status in ('queued', 'sending', 'held')
        ${workspaceId === undefined ? sql`` : sql`and workspace_id = ${workspaceId}`}
      group by channel`),
  );
  const of = (channel: Channel): ChannelOutbox => {
    const row = rows.find((r) => r.channel === channel);
    return { waiting: Number(row?.waiting ?? 0), held: Number(row?.held ?? 0), heldBecause: row?.held_because ?? null };
  };
  return { email: of('email'), sms: of('sms') };
}

/**
 * The outbox as /healthz shows it beside the providers (every workspace): `emailWaiting`,
 * `emailHeld` and, when messages are held, `emailHeldBecause` (the same for sms).
 */
export async function outboxHealth(db: Db): Promise<Record<string, number | string | null>> {
  const status = await outboxStatus(db);
  return Object.fromEntries(
    (['email', 'sms'] as const).flatMap((channel) => [
      [`${channel}Waiting`, status[channel].waiting],
      [`${channel}Held`, status[channel].held],
      ...(status[channel].held > 0 ? [[`${channel}HeldBecause`, status[channel].heldBecause]] : []),
    ]),
  );
}
