import { and, desc, eq, ilike, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { participantSignals, participants, referrals, rewards } from '../db/schema.js';
import { STATUS_SETS } from '../rewards/lifecycle.core.js';
import type { Cursor } from '../shared/pagination.js';

export type ParticipantRow = typeof participants.$inferSelect;

export async function findParticipant(db: Executor, workspaceId: string, id: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.id, id)))
    .limit(1);
  return rows[0];
}

/** Takes the participant's row lock: claim creation for one customer happens one at a time. */
export async function lockParticipant(db: Executor, workspaceId: string, id: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.id, id)))
    .for('update');
  return rows[0];
}

export async function findParticipantByExternalId(db: Executor, workspaceId: string, externalId: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.externalId, externalId)))
    .limit(1);
  return rows[0];
}

export async function findParticipantByCode(db: Executor, workspaceId: string, code: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.referralCode, code)))
    .limit(1);
  return rows[0];
}

export async function findParticipantByEmail(db: Executor, workspaceId: string, emailNormalized: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.emailNormalized, emailNormalized)))
    .orderBy(participants.createdAt)
    .limit(1);
  return rows[0];
}

export async function findParticipantByPhone(db: Executor, workspaceId: string, e164: string) {
  const rows = await db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, workspaceId), eq(participants.phone, e164)))
    .orderBy(participants.createdAt)
    .limit(1);
  return rows[0];
}

export async function listParticipantRows(
  db: Executor,
  workspaceId: string,
  filter: { q?: string | undefined; kind?: string | undefined },
  page: { limit: number; after?: Cursor | undefined },
) {
  const conditions: SQL[] = [eq(participants.workspaceId, workspaceId)];
  if (filter.kind) conditions.push(eq(participants.kind, filter.kind as ParticipantRow['kind']));
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const match = or(
      ilike(participants.name, pattern),
      ilike(participants.email, pattern),
      ilike(participants.referralCode, pattern),
      ilike(participants.externalId, pattern),
      ilike(participants.phone, pattern),
    );
    if (match) conditions.push(match);
  }
  if (page.after) {
    const after = or(
      lt(participants.createdAt, page.after.createdAt),
      and(eq(participants.createdAt, page.after.createdAt), lt(participants.id, page.after.id)),
    );
    if (after) conditions.push(after);
  }
  return db
    .select()
    .from(participants)
    .where(and(...conditions))
    .orderBy(desc(participants.createdAt), desc(participants.id))
    .limit(page.limit + 1);
}

export interface ParticipantStats {
  referralsMade: number;
  referralsSuccessful: number;
  rewardsEarned: { currency: string; amount: number }[];
}

/** Referrals made, referrals that converted, and rewards actually sent, for a page of participants. */
export async function statsFor(db: Executor, workspaceId: string, ids: string[]) {
  const stats = new Map<string, ParticipantStats>(
    ids.map((id) => [id, { referralsMade: 0, referralsSuccessful: 0, rewardsEarned: [] }]),
  );
  if (ids.length === 0) return stats;
  const made = await db
    .select({ id: referrals.referrerId, n: sql<number>`count(*)::int` })
    .from(referrals)
    // A voided referral (logged by mistake) is kept for the audit but counts for nobody.
    .where(and(eq(referrals.workspaceId, workspaceId), inArray(referrals.referrerId, ids), isNull(referrals.voidedAt)))
    .groupBy(referrals.referrerId);
  for (const row of made) {
    const entry = stats.get(row.id);
    if (entry) entry.referralsMade = Number(row.n);
  }
  const successful = await db
    .select({ id: rewards.referrerId, n: sql<number>`count(distinct ${rewards.referredId})::int` })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        inArray(rewards.referrerId, ids),
        eq(rewards.kind, 'referral'),
        inArray(rewards.status, [...STATUS_SETS.countsTowardTier]),
      ),
    )
    .groupBy(rewards.referrerId);
  for (const row of successful) {
    const entry = stats.get(row.id);
    if (entry) entry.referralsSuccessful = Number(row.n);
  }
  const earned = await db
    .select({
      id: rewards.payeeId,
      currency: rewards.currency,
      amount: sql<string>`sum(${rewards.amount})::text`,
    })
    .from(rewards)
    .where(
      and(
        eq(rewards.workspaceId, workspaceId),
        inArray(rewards.payeeId, ids),
        inArray(rewards.status, [...STATUS_SETS.paid]),
      ),
    )
    .groupBy(rewards.payeeId, rewards.currency);
  for (const row of earned) {
    stats.get(row.id)?.rewardsEarned.push({ currency: row.currency, amount: Number(row.amount) });
  }
  return stats;
}

export async function addSignals(
  db: Executor,
  workspaceId: string,
  participantId: string,
  signals: { kind: 'ip' | 'device' | 'payment_fingerprint'; value: string; source: string }[],
  at: Date,
) {
  if (signals.length === 0) return;
  await db
    .insert(participantSignals)
    .values(signals.map((signal) => ({ workspaceId, participantId, ...signal, firstSeenAt: at })))
    .onConflictDoNothing();
}
