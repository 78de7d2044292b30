import { count, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { workspaces } from '../db/schema.js';
import { AppError } from '../shared/errors.js';

export type Workspace = typeof workspaces.$inferSelect;

/** Workspace names need not be unique (see the schema); this answers up to two, to tell. */
export async function findWorkspacesByName(db: Executor, name: string): Promise<Workspace[]> {
  return db.select().from(workspaces).where(eq(workspaces.name, name)).orderBy(workspaces.createdAt).limit(2);
}

export async function findWorkspaceBySlug(db: Executor, slug: string): Promise<Workspace | undefined> {
  const rows = await db.select().from(workspaces).where(eq(workspaces.slug, slug)).limit(1);
  return rows[0];
}

export async function getWorkspaceOrThrow(db: Executor, id: string): Promise<Workspace> {
  const rows = await db.select().from(workspaces).where(eq(workspaces.id, id)).limit(1);
  if (!rows[0]) throw new AppError('not_found', 'Workspace not found.');
  return rows[0];
}

export async function countWorkspaces(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(workspaces);
  return Number(row?.n ?? 0);
}

export async function updateWorkspaceRow(db: Executor, id: string, changes: Partial<typeof workspaces.$inferInsert>) {
  const [row] = await db.update(workspaces).set(changes).where(eq(workspaces.id, id)).returning();
  if (!row) throw new Error('workspace update returned nothing');
  return row;
}
