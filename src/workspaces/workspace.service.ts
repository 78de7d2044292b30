import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/client.js';
import { programRules, programs, rewardPolicies, workspaces } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DEFAULT_POLICY, DEFAULT_RULES } from '../policy/index.js';
import { type Actor, systemActor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { presentSendWindow, sendWindowColumns } from './send-window-setting.core.js';
import {
  findWorkspaceBySlug,
  findWorkspacesByName,
  getWorkspaceOrThrow,
  updateWorkspaceRow,
  type Workspace,
} from './workspace.repo.js';
import type { WorkspaceSettingsInput } from './workspace.schema.js';

export { countWorkspaces, findWorkspaceBySlug, getWorkspaceOrThrow, type Workspace } from './workspace.repo.js';

import { newId } from '../shared/ids.js';

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'workspace';
}

/**
 * A workspace starts with its default program, the default reward policy (version 1) and
 * default program rules (version 1), so conversions work before anyone configures anything.
 */
export async function createWorkspace(db: Db, input: { name: string; at: Date }): Promise<Workspace> {
  const base = slugify(input.name);
  for (let attempt = 0; attempt < 20; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${attempt + 1}`;
    try {
      return await db.transaction(async (tx) => {
        const id = newId('workspace', input.at.getTime());
        const [workspace] = await tx
          .insert(workspaces)
          .values({
            id,
            name: input.name,
            slug,
            companyName: input.name,
            signingSecret: randomBytes(32).toString('hex'),
            createdAt: input.at,
          })
          .returning();
        const programId = newId('program', input.at.getTime());
        await tx.insert(programs).values({ workspaceId: id, id: programId, name: 'Referral program', isDefault: true });
        await tx.insert(rewardPolicies).values({
          workspaceId: id,
          programId,
          version: 1,
          ...DEFAULT_POLICY,
          createdBy: 'system',
          createdAt: input.at,
        });
        await tx.insert(programRules).values({
          workspaceId: id,
          programId,
          version: 1,
          ...DEFAULT_RULES,
          createdBy: 'system',
          createdAt: input.at,
        });
        const actor = systemActor(id);
        await recordAudit(tx, actor, input.at, {
          action: 'workspace.created',
          objectType: 'workspace',
          objectId: id,
          after: { name: input.name, slug },
        });
        if (!workspace) throw new Error('workspace insert returned nothing');
        return workspace;
      });
    } catch (error) {
      if (!isUniqueViolation(error, 'workspaces_slug_unique')) throw error;
    }
  }
  throw new AppError('already_exists', `Could not find a free address for workspace ${input.name}.`);
}

/** The CLI's `--workspace`: a slug, or a name that only one workspace has; otherwise a new one. */
export async function ensureWorkspace(db: Db, nameOrSlug: string, at: Date) {
  const bySlug = await findWorkspaceBySlug(db, nameOrSlug);
  if (bySlug) return { workspace: bySlug, created: false };
  const byName = await findWorkspacesByName(db, nameOrSlug);
  if (byName.length > 1) {
    throw new AppError(
      'already_exists',
      `Several workspaces are named "${nameOrSlug}"; name one by its slug (${byName.map((w) => w.slug).join(', ')}, ...).`,
    );
  }
  if (byName[0]) return { workspace: byName[0], created: false };
  return { workspace: await createWorkspace(db, { name: nameOrSlug, at }), created: true };
}

function presentSettings(row: Workspace) {
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
    timeZone: row.timeZone,
    sendWindow: presentSendWindow(row),
    publicLeaderboard: row.publicLeaderboard,
  };
}

export async function getSettings(deps: Deps, actor: Actor) {
  return presentSettings(await getWorkspaceOrThrow(deps.db, actor.workspaceId));
}

export async function updateSettings(deps: Deps, actor: Actor, input: WorkspaceSettingsInput) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const before = await getWorkspaceOrThrow(tx, actor.workspaceId);
    if (Object.keys(input).length === 0) return presentSettings(before);
    const { sendWindow, ...rest } = input;
    const row = await updateWorkspaceRow(tx, actor.workspaceId, {
      ...rest,
      ...(sendWindow === undefined ? {} : sendWindowColumns(sendWindow)),
    });
    await recordAudit(tx, actor, at, {
      action: 'workspace.updated',
      objectType: 'workspace',
      objectId: row.id,
      before: presentSettings(before),
      after: presentSettings(row),
    });
    return presentSettings(row);
  });
}
