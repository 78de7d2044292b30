/**
 * Participants for a batch of events: found set-based, and locked in one statement in id order,
 * so any two transactions that lock participants this way take their locks in the same order
 * and never deadlock on each other.
 */
import { and, eq, inArray, or } from 'drizzle-orm';
import { insertRows } from '../db/bulk.js';
import type { Executor, Tx } from '../db/client.js';
import { participantSignals, participants } from '../db/schema.js';
import type { ParticipantRow } from './participant.repo.js';

export async function findParticipantsByIds(
  db: Executor,
  workspaceId: string,
  ids: string[],
  externalIds: string[],
): Promise<ParticipantRow[]> {
  if (ids.length === 0 && externalIds.length === 0) return [];
  const which = [];
  if (ids.length > 0) which.push(inArray(participants.id, ids));
  if (externalIds.length > 0) which.push(inArray(participants.externalId, externalIds));
  return db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), or(...which)));
}

/** Row locks on these participants, taken in id order (the rows are answered fresh). */
export async function lockParticipantsInOrder(tx: Tx, workspaceId: string, ids: string[]): Promise<ParticipantRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), inArray(participants.id, ids)))
    .orderBy(participants.id)
    .for('update');
}

export async function signalsOfParticipants(db: Executor, workspaceId: string, ids: string[]) {
  const byParticipant = new Map<string, (typeof participantSignals.$inferSelect)[]>();
  if (ids.length === 0) return byParticipant;
  const rows = await db
    .select()
    .from(participantSignals)
    .where(and(eq(participantSignals.workspaceId, workspaceId), inArray(participantSignals.participantId, ids)));
  for (const row of rows) {
    const list = byParticipant.get(row.participantId) ?? [];
    list.push(row);
    byParticipant.set(row.participantId, list);
  }
  return byParticipant;
}

export async function addSignalsMany(
  db: Executor,
  workspaceId: string,
  signals: { participantId: string; kind: 'ip' | 'device' | 'payment_fingerprint'; value: string; source: string }[],
  at: Date,
) {
  // One signal twice in a batch is one signal: the first source stays (as one by one).
  const seen = new Set<string>();
  const rows = signals.filter((signal) => {
    const key = `${signal.participantId}\u0000${signal.kind}\u0000${signal.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  await insertRows(
    db,
    participantSignals,
    rows.map((signal) => ({ workspaceId, ...signal, firstSeenAt: at })),
    { onConflictDoNothing: true },
  );
}
