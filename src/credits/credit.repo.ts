import { and, asc, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { creditBalances, creditEntries } from '../db/schema.js';

export type CreditEntryRow = typeof creditEntries.$inferSelect;

/** The participant's ledger, newest first (a page of the latest 500: what a person reads). */
export async function entriesOf(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select()
    .from(creditEntries)
    .where(and(eq(creditEntries.workspaceId, workspaceId), eq(creditEntries.participantId, participantId)))
    .orderBy(desc(creditEntries.createdAt), desc(creditEntries.id))
    .limit(500);
}

export async function balancesFor(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select({ currency: creditBalances.currency, amount: creditBalances.balance })
    .from(creditBalances)
    .where(and(eq(creditBalances.workspaceId, workspaceId), eq(creditBalances.participantId, participantId)))
    .orderBy(asc(creditBalances.currency));
}

/** The balance row, locked: concurrent redemptions of one balance take turns here. */
export async function lockBalance(db: Executor, workspaceId: string, participantId: string, currency: string) {
  const [row] = await db
    .select()
    .from(creditBalances)
    .where(
      and(
        eq(creditBalances.workspaceId, workspaceId),
        eq(creditBalances.participantId, participantId),
        eq(creditBalances.currency, currency),
      ),
    )
    .for('update');
  return row?.balance ?? 0;
}

/** Appends an entry; the trigger moves the balance. undefined when the reward already has this kind. */
export async function appendEntry(db: Executor, row: typeof creditEntries.$inferInsert) {
  const [inserted] = await db.insert(creditEntries).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function rewardEntry(db: Executor, workspaceId: string, rewardId: string, kind: CreditEntryRow['kind']) {
  const [row] = await db
    .select()
    .from(creditEntries)
    .where(
      and(
        eq(creditEntries.workspaceId, workspaceId),
        eq(creditEntries.rewardId, rewardId),
        eq(creditEntries.kind, kind),
      ),
    );
  return row;
}
