import { type AnyColumn, and, eq, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { conversions, participants, referrals } from '../db/schema.js';
import type { KnownConversion, KnownParticipant } from './import.core.js';

/**
 * The facts an import is decided on, read set-based: a few queries per thousand rows whatever
 * the file holds. IN lists are cut in chunks so a statement stays small on both stores.
 */
const CHUNK = 1000;

/**
 * `column IN (values)` with the values as one JSON parameter: a thousand bound parameters cost
 * more than the lookup itself on PGlite.
 */
function inList(column: AnyColumn, values: string[]): SQL {
  return sql`${column} in (select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}

function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

const known = {
  id: participants.id,
  externalId: participants.externalId,
  emailNormalized: participants.emailNormalized,
};

/** Participants named by any of these ids, externalIds or normalised emails. */
export async function participantsNamed(
  db: Executor,
  workspaceId: string,
  names: { ids?: string[]; externalIds?: string[]; emails?: string[] },
): Promise<KnownParticipant[]> {
  const found = new Map<string, KnownParticipant>();
  const lookups: [string[] | undefined, (chunk: string[]) => SQL][] = [
    [names.ids, (chunk) => inList(participants.id, chunk)],
    [names.externalIds, (chunk) => inList(participants.externalId, chunk)],
    [names.emails, (chunk) => inList(participants.emailNormalized, chunk)],
  ];
  for (const [values, where] of lookups) {
    for (const chunk of chunks([...new Set(values ?? [])])) {
      const rows = await db
        .select(known)
        .from(participants)
        .where(and(eq(participants.workspaceId, workspaceId), where(chunk)));
      for (const row of rows) found.set(row.id, row);
    }
  }
  return [...found.values()];
}

/** Which of these referrer → referred pairs are recorded already (read by both sides' ids, then matched). */
export async function recordedPairs(
  db: Executor,
  workspaceId: string,
  pairs: [string, string][],
): Promise<Set<string>> {
  const wanted = new Set(pairs.map(([referrerId, referredId]) => `${referrerId} ${referredId}`));
  const recorded = new Set<string>();
  for (const chunk of chunks(pairs)) {
    const rows = await db
      .select({ referrerId: referrals.referrerId, referredId: referrals.referredId })
      .from(referrals)
      .where(
        and(
          eq(referrals.workspaceId, workspaceId),
          inList(referrals.referrerId, [...new Set(chunk.map(([referrerId]) => referrerId))]),
          inList(referrals.referredId, [...new Set(chunk.map(([, referredId]) => referredId))]),
        ),
      );
    for (const row of rows) {
      const pair = `${row.referrerId} ${row.referredId}`;
      if (wanted.has(pair)) recorded.add(pair);
    }
  }
  return recorded;
}

/** Conversions already recorded under these source + externalId keys. */
export async function recordedConversions(
  db: Executor,
  workspaceId: string,
  keys: { source: string; externalId: string }[],
): Promise<Map<string, KnownConversion & { key: string }>> {
  const recorded = new Map<string, KnownConversion & { key: string }>();
  for (const chunk of chunks(keys)) {
    const bySource = new Map<string, string[]>();
    for (const key of chunk) bySource.set(key.source, [...(bySource.get(key.source) ?? []), key.externalId]);
    const match = or(
      ...[...bySource].map(([source, ids]) => and(eq(conversions.source, source), inList(conversions.externalId, ids))),
    );
    const rows = await db
      .select({
        source: conversions.source,
        externalId: conversions.externalId,
        type: conversions.type,
        amount: conversions.amount,
        currency: conversions.currency,
        referredId: conversions.referredId,
        referredExternalId: conversions.referredExternalId,
        originalExternalId: conversions.originalExternalId,
      })
      .from(conversions)
      .where(and(eq(conversions.workspaceId, workspaceId), match));
    for (const row of rows)
      recorded.set(`${row.source} ${row.externalId}`, { ...row, key: `${row.source} ${row.externalId}` });
  }
  return recorded;
}

/**
 * Which of these externalIds conversions are waiting for (they named a customer by the CRM's id
 * before the customer was known): only those new participants need linking.
 */
export async function externalIdsAwaited(
  db: Executor,
  workspaceId: string,
  externalIds: string[],
): Promise<Set<string>> {
  const awaited = new Set<string>();
  for (const chunk of chunks(externalIds)) {
    const rows = await db
      .selectDistinct({ externalId: conversions.referredExternalId })
      .from(conversions)
      .where(
        and(
          eq(conversions.workspaceId, workspaceId),
          inList(conversions.referredExternalId, chunk),
          isNull(conversions.referredId),
        ),
      );
    for (const row of rows) if (row.externalId) awaited.add(row.externalId);
  }
  return awaited;
}
