import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { recordAudit } from '../audit/audit.repo.js';
import { workspaces } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { WorkspaceSettingsInputSchema, WorkspaceSettingsSchema } from './workspace.schema.js';
import { getWorkspaceOrThrow, type Workspace } from './workspace.service.js';

function present(row: Workspace) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    senderName: row.senderName,
    companyName: row.companyName,
    defaultCountry: row.defaultCountry,
    notifyEmails: row.notifyEmails,
    smsDailyCap: row.smsDailyCap,
    notifyRewardIssued: row.notifyRewardIssued,
  };
}

/** The sender's name and company (what thank-yous are signed with) and other workspace settings. */
export function workspaceRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/workspace', {
      schema: { tags: ['Settings'], summary: 'Workspace settings', response: { 200: WorkspaceSettingsSchema } },
      handler: async (request) => present(await getWorkspaceOrThrow(deps.db, requireActor(request).workspaceId)),
    });
    r.patch('/v1/workspace', {
      config: { permission: 'settings:write' },
      schema: {
        tags: ['Settings'],
        summary: 'Change workspace settings',
        body: WorkspaceSettingsInputSchema,
        response: { 200: WorkspaceSettingsSchema },
      },
      handler: async (request) => {
        const actor = requireActor(request);
        const at = deps.clock.now();
        return deps.db.transaction(async (tx) => {
          const before = await getWorkspaceOrThrow(tx, actor.workspaceId);
          if (Object.keys(request.body).length === 0) return present(before);
          const [row] = await tx
            .update(workspaces)
            .set(request.body)
            .where(eq(workspaces.id, actor.workspaceId))
            .returning();
          if (!row) throw new Error('workspace update returned nothing');
          await recordAudit(tx, actor, at, {
            action: 'workspace.updated',
            objectType: 'workspace',
            objectId: row.id,
            before: present(before),
            after: present(row),
          });
          return present(row);
        });
      },
    });
  };
}
