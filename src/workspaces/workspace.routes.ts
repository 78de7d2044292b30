import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { WorkspaceSettingsInputSchema, WorkspaceSettingsSchema } from './workspace.schema.js';
import { getSettings, updateSettings } from './workspace.service.js';

/** The sender's name and company (what thank-yous are signed with) and other workspace settings. */
export function workspaceRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/workspace', {
      schema: { tags: ['Settings'], summary: 'Workspace settings', response: { 200: WorkspaceSettingsSchema } },
      handler: async (request) => getSettings(deps, requireActor(request)),
    });
    r.patch('/v1/workspace', {
      config: { permission: 'settings:write' },
      schema: {
        tags: ['Settings'],
        summary: 'Change workspace settings',
        body: WorkspaceSettingsInputSchema,
        response: { 200: WorkspaceSettingsSchema },
      },
      handler: async (request) => updateSettings(deps, requireActor(request), request.body),
    });
  };
}
