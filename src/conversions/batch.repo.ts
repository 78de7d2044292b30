/** The batch engine's reads and writes of conversions: set-based, a statement per batch (or chunk). */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { executeWithJson, insertRows } from '../db/bulk.js';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { conversions } from '../db/schema.js';
import { statusList } from '../rewards/index.js';
import { eventKey, type SaleState } from './batch.core.js';
import type { ConversionInsert } from './conversion.repo.js';

const pairs = (keys: { source: string; externalId: string }[]) =>
  JSON.stringify(keys.map((key) => ({ s: key.source, e: key.externalId })));

/** The events of the batch already recorded (replays), by `source \0 externalId`. */
export async function existingConversions(
  db: Executor,
  workspaceId: string,
  keys: { source: string; externalId: string }[],
) {
  const out = new Map<string, { requestHash: string; result: unknown }>();
  if (keys.length === 0) return out;
  const rows = rowsOf<{ source: string; external_id: string; request_hash: string; result: unknown }>(
    await db.execute(sql`
      select c.source, c.external_id, c.request_hash, c.result
      from jsonb_to_recordset(${pairs(keys)}::jsonb) as k(s text, e text)
      join conversions c on c.workspace_id = ${workspaceId} and c.source = k.s and c.external_id = k.e`),
  );
  for (const row of rows) {
    out.set(eventKey(row.source, row.external_id), { requestHash: row.request_hash, result: row.result });
  }
  return out;
}

/**
 * The stored conversions with these names (the sales refunds name), by `source \0 externalId`:
 * whom each is about (null: nobody yet) and how many of its claims a refund would change.
 */
export async function salesOf(db: Executor, workspaceId: string, keys: { source: string; externalId: string }[]) {
  const out = new Map<string, SaleState>();
  if (keys.length === 0) return out;
  const rows = rowsOf<{
    source: string;
    external_id: string;
    id: string;
    referred_id: string | null;
    claims: number;
  }>(
    await db.execute(sql`
      select c.source, c.external_id, c.id, c.referred_id,
        (select count(*) from rewards r where r.workspace_id = c.workspace_id and r.conversion_id = c.id
          and r.status not in (${statusList('closedUnpaid')}))::int as claims
      from jsonb_to_recordset(${pairs(keys)}::jsonb) as k(s text, e text)
      join conversions c on c.workspace_id = ${workspaceId} and c.source = k.s and c.external_id = k.e`),
  );
  for (const row of rows) {
    out.set(eventKey(row.source, row.external_id), {
      id: row.id,
      referredId: row.referred_id,
      claims: Number(row.claims),
    });
  }
  return out;
}

/**
 * Locks the rows of these conversions (id order): a refund's sale, as the one-event path locks it
 * (refund.service `applyReversals`), so a claim being made on it meanwhile is waited for.
 */
export async function lockSales(db: Executor, workspaceId: string, ids: string[]) {
  if (ids.length === 0) return;
  await db.execute(sql`
    select c.id from conversions c
    where c.workspace_id = ${workspaceId} and c.id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
    order by c.id for update of c`);
}

/** Sales of the batch that refunds named before the sale arrived (they are applied one by one). */
export async function salesWithEarlyReversals(
  db: Executor,
  workspaceId: string,
  keys: { source: string; externalId: string }[],
) {
  const out = new Set<string>();
  if (keys.length === 0) return out;
  const rows = await db
    .selectDistinct({ source: conversions.source, externalId: conversions.originalExternalId })
    .from(conversions)
    .where(
      and(
        eq(conversions.workspaceId, workspaceId),
        inArray(conversions.originalExternalId, [...new Set(keys.map((key) => key.externalId))]),
        isNull(conversions.reversesConversionId),
      ),
    );
  for (const row of rows) if (row.externalId) out.add(eventKey(row.source, row.externalId));
  return out;
}

export async function insertConversions(db: Executor, rows: ConversionInsert[]) {
  if ((await insertRows(db, conversions, rows, { onConflictDoNothing: true })) !== rows.length) {
    throw new Error('an event of the batch was recorded concurrently');
  }
}

/** Stores each event's answer (what a replay gets back), in one statement per chunk. */
export async function setConversionResults(db: Executor, workspaceId: string, rows: { id: string; result: unknown }[]) {
  for (let from = 0; from < rows.length; from += 500) {
    const part = rows.slice(from, from + 500);
    // The answers are megabytes of JSON: one document, as the bulk inserts send theirs (db/bulk.ts).
    await executeWithJson(
      db,
      JSON.stringify(part),
      (document) => sql`
        update conversions c set result = v.result
        from jsonb_to_recordset(${document}) as v(id text, result jsonb)
        where c.workspace_id = ${workspaceId} and c.id = v.id`,
    );
  }
}
