import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { listAuditEvents } from './audit.repo.js';

export async function listAuditLog(
  deps: Deps,
  actor: Actor,
  query: {
    limit: number;
    cursor?: string | undefined;
    objectType?: string | undefined;
    objectId?: string | undefined;
    action?: string | undefined;
  },
) {
  const { limit, cursor, ...filter } = query;
  const rows = await listAuditEvents(deps.db, actor.workspaceId, filter, { limit, after: decodeCursor(cursor) });
  return toPage(rows, limit, (row) => ({
    id: row.id,
    action: row.action,
    objectType: row.objectType,
    objectId: row.objectId,
    actor: { type: row.actorType, id: row.actorId, name: row.actorName, role: row.actorRole },
    before: row.before,
    after: row.after,
    requestId: row.requestId,
    at: row.createdAt.toISOString(),
  }));
}
