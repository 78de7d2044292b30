import { and, desc, eq, lt, or, type SQL } from 'drizzle-orm';
import { insertRows } from '../db/bulk.js';
import type { Executor } from '../db/client.js';
import { auditEvents } from '../db/schema.js';
import type { Actor } from '../shared/actor.js';
import { newId } from '../shared/ids.js';

export interface AuditEntry {
  action: string;
  objectType: string;
  objectId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Many changes' audit events (the batch engine), each with its own actor, in one statement. */
export async function recordAuditMany(tx: Executor, at: Date, items: { actor: Actor; entry: AuditEntry }[]) {
  await insertRows(
    tx,
    auditEvents,
    items.map(({ actor, entry }) => ({
      workspaceId: actor.workspaceId,
      id: newId('audit', at.getTime()),
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      actorRole: actor.role,
      action: entry.action,
      objectType: entry.objectType,
      objectId: entry.objectId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      requestId: actor.requestId ?? null,
      createdAt: at,
    })),
  );
}

/** Every state change writes one of these in the same transaction as the change itself. */
export async function recordAudit(tx: Executor, actor: Actor, at: Date, entries: AuditEntry | AuditEntry[]) {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await tx.insert(auditEvents).values(
    list.map((entry) => ({
      workspaceId: actor.workspaceId,
      id: newId('audit', at.getTime()),
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      actorRole: actor.role,
      action: entry.action,
      objectType: entry.objectType,
      objectId: entry.objectId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      requestId: actor.requestId ?? null,
      createdAt: at,
    })),
  );
}

export async function listAuditEvents(
  db: Executor,
  workspaceId: string,
  filter: { objectType?: string | undefined; objectId?: string | undefined; action?: string | undefined },
  page: { limit: number; after?: { createdAt: Date; id: string } | undefined },
) {
  const conditions: SQL[] = [eq(auditEvents.workspaceId, workspaceId)];
  if (filter.objectType) conditions.push(eq(auditEvents.objectType, filter.objectType));
  if (filter.objectId) conditions.push(eq(auditEvents.objectId, filter.objectId));
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (page.after) {
    const cursorCondition = or(
      lt(auditEvents.createdAt, page.after.createdAt),
      and(eq(auditEvents.createdAt, page.after.createdAt), lt(auditEvents.id, page.after.id)),
    );
    if (cursorCondition) conditions.push(cursorCondition);
  }
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(page.limit + 1);
}

export async function historyOf(db: Executor, workspaceId: string, objectType: string, objectId: string) {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.workspaceId, workspaceId),
        eq(auditEvents.objectType, objectType),
        eq(auditEvents.objectId, objectId),
      ),
    )
    .orderBy(auditEvents.createdAt, auditEvents.id);
}
