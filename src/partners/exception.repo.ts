import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { partnerExceptions } from '../db/schema.js';

export type ExceptionRow = typeof partnerExceptions.$inferSelect;

export async function insertException(db: Executor, values: typeof partnerExceptions.$inferInsert) {
  const [row] = await db.insert(partnerExceptions).values(values).returning();
  if (!row) throw new Error('exception insert returned nothing');
  return row;
}

/** The list shows the newest 500, of one partner or of all. */
export async function listExceptionRows(db: Executor, workspaceId: string, participantId: string | undefined) {
  return db
    .select()
    .from(partnerExceptions)
    .where(
      and(
        eq(partnerExceptions.workspaceId, workspaceId),
        ...(participantId ? [eq(partnerExceptions.participantId, participantId)] : []),
      ),
    )
    .orderBy(desc(partnerExceptions.createdAt))
    .limit(500);
}

/** Ends an exception that is still in force; undefined when there is none by that id. */
export async function revokeExceptionRow(db: Executor, workspaceId: string, id: string, at: Date) {
  const [row] = await db
    .update(partnerExceptions)
    .set({ revokedAt: at })
    .where(
      and(
        eq(partnerExceptions.workspaceId, workspaceId),
        eq(partnerExceptions.id, id),
        isNull(partnerExceptions.revokedAt),
      ),
    )
    .returning();
  return row;
}
