import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { apiKeys, sessions, users, workspaces } from '../db/schema.js';

/** A key that is not revoked and whose person, when a user, is not disabled. */
export async function findActiveKeyByHash(db: Executor, keyHash: string) {
  const rows = await db
    .select({ key: apiKeys, workspace: workspaces, personDisabledAt: users.disabledAt })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .leftJoin(users, and(eq(users.workspaceId, apiKeys.workspaceId), eq(users.id, apiKeys.personId)))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  const row = rows[0];
  return row && row.personDisabledAt === null ? { key: row.key, workspace: row.workspace } : undefined;
}

/** Revokes every live key that acts for a person (their user was disabled). */
export async function revokeKeysOfPerson(db: Executor, workspaceId: string, personId: string, at: Date) {
  return db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.personId, personId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
}

export async function findActiveUser(db: Executor, workspaceId: string, id: string) {
  const rows = await db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id), isNull(users.disabledAt)));
  return rows[0];
}

/**
 * Whether the person behind an id still acts in the workspace: a user not disabled, a key not
 * revoked. The system and the CLI always do. (An auto-approval opt-in signed by someone who left
 * stops approving.)
 */
export async function isPersonActive(db: Executor, workspaceId: string, personId: string): Promise<boolean> {
  if (personId.startsWith('usr_')) {
    const rows = await db
      .select({ disabledAt: users.disabledAt })
      .from(users)
      .where(and(eq(users.workspaceId, workspaceId), eq(users.id, personId)));
    return rows.length === 1 && rows[0]?.disabledAt === null;
  }
  if (personId.startsWith('key_')) {
    const rows = await db
      .select({ revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, personId)));
    return rows.length === 1 && rows[0]?.revokedAt === null;
  }
  return true;
}

export async function touchKey(db: Executor, workspaceId: string, id: string, at: Date) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id)));
}

export async function findLiveSession(db: Executor, tokenHash: string, now: Date) {
  const rows = await db
    .select({ session: sessions, user: users, workspace: workspaces })
    .from(sessions)
    .innerJoin(users, and(eq(users.workspaceId, sessions.workspaceId), eq(users.id, sessions.userId)))
    .innerJoin(workspaces, eq(workspaces.id, sessions.workspaceId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
    .limit(1);
  return rows[0];
}

export async function findUsersByEmail(db: Executor, email: string) {
  return db
    .select({ user: users, workspace: workspaces })
    .from(users)
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.disabledAt)));
}

export async function listKeys(db: Executor, workspaceId: string) {
  return db.select().from(apiKeys).where(eq(apiKeys.workspaceId, workspaceId)).orderBy(desc(apiKeys.createdAt));
}

export async function listUsers(db: Executor, workspaceId: string) {
  return db.select().from(users).where(eq(users.workspaceId, workspaceId)).orderBy(users.createdAt);
}

export async function insertSession(
  db: Executor,
  row: { workspaceId: string; id: string; userId: string; tokenHash: string; createdAt: Date; expiresAt: Date },
) {
  await db.insert(sessions).values(row);
}

export async function deleteSessionByHash(db: Executor, tokenHash: string) {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function deleteSessionsOfUser(db: Executor, workspaceId: string, userId: string) {
  await db.delete(sessions).where(and(eq(sessions.workspaceId, workspaceId), eq(sessions.userId, userId)));
}

/** Revokes a key that is still active; undefined when there is none by that id. */
export async function revokeKey(db: Executor, workspaceId: string, id: string, at: Date) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

/** Disables a user who is still active; undefined when there is none by that id. */
export async function disableUserRow(db: Executor, workspaceId: string, id: string, at: Date) {
  const [row] = await db
    .update(users)
    .set({ disabledAt: at })
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id), isNull(users.disabledAt)))
    .returning();
  return row;
}

export async function insertApiKey(db: Executor, row: typeof apiKeys.$inferInsert) {
  const [inserted] = await db.insert(apiKeys).values(row).returning();
  if (!inserted) throw new Error('api key insert returned nothing');
  return inserted;
}

export async function insertUser(db: Executor, row: typeof users.$inferInsert) {
  const [inserted] = await db.insert(users).values(row).returning();
  if (!inserted) throw new Error('user insert returned nothing');
  return inserted;
}

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type UserRow = typeof users.$inferSelect;
