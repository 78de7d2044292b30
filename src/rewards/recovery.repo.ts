import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { recoveryTasks } from '../db/schema.js';

export type RecoveryTaskRow = typeof recoveryTasks.$inferSelect;
export type RecoveryTaskStatus = RecoveryTaskRow['status'];

/** The task list shows the newest 500. */
export async function listRecoveryTasks(db: Executor, workspaceId: string, status: RecoveryTaskStatus | undefined) {
  return db
    .select()
    .from(recoveryTasks)
    .where(and(eq(recoveryTasks.workspaceId, workspaceId), ...(status ? [eq(recoveryTasks.status, status)] : [])))
    .orderBy(desc(recoveryTasks.createdAt))
    .limit(500);
}

export async function lockRecoveryTask(db: Executor, workspaceId: string, id: string) {
  const [task] = await db
    .select()
    .from(recoveryTasks)
    .where(and(eq(recoveryTasks.workspaceId, workspaceId), eq(recoveryTasks.id, id)))
    .for('update');
  return task;
}

export async function closeRecoveryTask(
  db: Executor,
  workspaceId: string,
  id: string,
  changes: { status: 'done' | 'waived'; resolution: string; resolvedBy: string; resolvedAt: Date },
) {
  const [row] = await db
    .update(recoveryTasks)
    .set(changes)
    .where(and(eq(recoveryTasks.workspaceId, workspaceId), eq(recoveryTasks.id, id)))
    .returning();
  return row;
}
