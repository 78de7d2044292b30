import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';

/**
 * Gives back leases a dispatcher took but will not use (it is shutting down): each message is
 * claimable again at once, as if never leased. One leased from `queued` goes back to `queued`;
 * one leased from `sending` (an earlier sender died mid-send) stays `sending` so the next
 * dispatcher still asks the provider whether it already has it. Only rows still under this
 * lease (same status and attempt count) are touched.
 */
export async function releaseLeases(
  db: Db,
  leased: readonly { workspaceId: string; id: string; attempts: number; uncertain: boolean }[],
): Promise<number> {
  if (leased.length === 0) return 0;
  const rows = JSON.stringify(
    leased.map((m) => ({ workspace_id: m.workspaceId, id: m.id, attempts: m.attempts, uncertain: m.uncertain })),
  );
  const released = rowsOf<{ id: string }>(
    await db.execute(sql`
    update messages m
    set status = case when l.uncertain then 'sending'::message_status else 'queued'::message_status end,
        attempts = m.attempts - 1, locked_until = null
    from jsonb_to_recordset(${rows}::jsonb) as l(workspace_id text, id text, attempts int, uncertain boolean)
    where m.workspace_id = l.workspace_id and m.id = l.id and m.status = 'sending' and m.attempts = l.attempts
    returning m.id`),
  );
  return released.length;
}
