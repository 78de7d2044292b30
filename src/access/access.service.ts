import { recordAudit } from '../audit/index.js';
import type { Executor } from '../db/client.js';
import { isUniqueViolation } from '../db/client.js';
import type { Deps } from '../deps.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Role } from '../shared/vocabulary.js';
import { getWorkspaceOrThrow } from '../workspaces/index.js';
import {
  type ApiKeyRow,
  deleteSessionByHash,
  deleteSessionsOfUser,
  disableUserRow,
  findActiveUser,
  findUsersByEmail,
  insertApiKey,
  insertSession,
  insertUser,
  listKeys,
  listUsers,
  revokeKey,
  revokeKeysOfPerson,
  type UserRow,
} from './access.repo.js';
import { forgetRevokedKey } from './authenticate.hook.js';
import { roleWithin } from './roles.core.js';
import { hashPassword, hashToken, newApiKey, newSessionToken } from './secrets.core.js';

export const SESSION_TTL_MS = 7 * 86_400_000;

export function presentKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.keyPrefix,
    actsFor: row.personId,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export function presentUser(row: UserRow) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

/**
 * Who a new key acts for in maker-checker: the user it is made for; else the person behind the
 * credential minting it (a key minted through a key is still that person, never a new one);
 * a key the system or the CLI makes stands for itself.
 */
function personForNewKey(actor: Actor, keyId: string, forUserId: string | undefined): string {
  if (forUserId) return forUserId;
  if (actor.type === 'user' || actor.type === 'api_key') return personOf(actor);
  return keyId;
}

export async function createApiKey(
  db: Executor,
  input: { workspaceId: string; role: Role; name: string; actor: Actor; at: Date; forUserId?: string | undefined },
) {
  const { key, hash, prefix } = newApiKey();
  const id = newId('apiKey', input.at.getTime());
  const row = await insertApiKey(db, {
    workspaceId: input.workspaceId,
    id,
    name: input.name,
    role: input.role,
    keyHash: hash,
    keyPrefix: prefix,
    createdBy: input.actor.id,
    personId: personForNewKey(input.actor, id, input.forUserId),
    createdAt: input.at,
  });
  await recordAudit(db, input.actor, input.at, {
    action: 'api_key.created',
    objectType: 'api_key',
    objectId: id,
    after: { name: input.name, role: input.role, prefix, actsFor: personForNewKey(input.actor, id, input.forUserId) },
  });
  return { key, record: row };
}

export async function createUser(
  db: Executor,
  input: {
    workspaceId: string;
    email: string;
    password: string;
    name?: string | undefined;
    role: Role;
    actor: Actor;
    at: Date;
  },
) {
  const id = newId('user', input.at.getTime());
  try {
    const row = await insertUser(db, {
      workspaceId: input.workspaceId,
      id,
      email: input.email.trim(),
      name: input.name?.trim() || input.email.split('@')[0] || input.email,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdAt: input.at,
    });
    await recordAudit(db, input.actor, input.at, {
      action: 'user.created',
      objectType: 'user',
      objectId: id,
      after: { email: input.email, role: input.role },
    });
    return row;
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_uq')) {
      throw new AppError('already_exists', `A user with the email ${input.email} already exists in this workspace.`, {
        field: 'email',
      });
    }
    throw error;
  }
}

/** Active users with this email, in every workspace that has one (sign-in picks among them). */
export async function signInCandidates(deps: Deps, email: string, workspace: string | undefined) {
  return (await findUsersByEmail(deps.db, email)).filter(
    (row) => !workspace || row.workspace.slug === workspace || row.workspace.name === workspace,
  );
}

/** A new session for a user whose password matched; the token is the cookie's value. */
export async function startSession(deps: Deps, user: { id: string; workspaceId: string }) {
  const at = deps.clock.now();
  const { token, hash } = newSessionToken();
  await insertSession(deps.db, {
    workspaceId: user.workspaceId,
    id: newId('session', at.getTime()),
    userId: user.id,
    tokenHash: hash,
    createdAt: at,
    expiresAt: new Date(at.getTime() + SESSION_TTL_MS),
  });
  return token;
}

export async function endSession(deps: Deps, token: string) {
  await deleteSessionByHash(deps.db, hashToken(token));
}

export async function describeMe(deps: Deps, actor: Actor) {
  const workspace = await getWorkspaceOrThrow(deps.db, actor.workspaceId);
  return {
    actor: { type: actor.type, id: actor.id, name: actor.name, role: actor.role },
    workspace: { id: workspace.id, name: workspace.name, slug: workspace.slug },
  };
}

export async function listApiKeys(deps: Deps, actor: Actor) {
  return (await listKeys(deps.db, actor.workspaceId)).map(presentKey);
}

export async function mintApiKey(
  deps: Deps,
  actor: Actor,
  input: { name: string; role: Role; userId?: string | undefined },
) {
  const at = deps.clock.now();
  const { key, record } = await deps.db.transaction(async (tx) => {
    if (input.userId) {
      const user = await findActiveUser(tx, actor.workspaceId, input.userId);
      if (!user) throw notFound('Active user', 'userId');
      // The key acts for that person (maker-checker counts it as them): it may do no more than they may.
      if (!roleWithin(input.role, user.role)) {
        throw new AppError(
          'forbidden',
          `A key that acts for ${user.name ?? user.email} can do no more than they can: their role is ${user.role}, not ${input.role}.`,
          { field: 'role' },
        );
      }
    }
    return createApiKey(tx, {
      workspaceId: actor.workspaceId,
      role: input.role,
      name: input.name,
      actor,
      at,
      forUserId: input.userId,
    });
  });
  return { ...presentKey(record), key };
}

export async function revokeApiKey(deps: Deps, actor: Actor, id: string) {
  const at = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const updated = await revokeKey(tx, actor.workspaceId, id, at);
    if (!updated) throw notFound('Active API key');
    await recordAudit(tx, actor, at, { action: 'api_key.revoked', objectType: 'api_key', objectId: updated.id });
    return updated;
  });
  forgetRevokedKey(row.id);
  return presentKey(row);
}

export async function listPeople(deps: Deps, actor: Actor) {
  return (await listUsers(deps.db, actor.workspaceId)).map(presentUser);
}

export async function addUser(
  deps: Deps,
  actor: Actor,
  input: { email: string; name?: string | undefined; role: Role; password: string },
) {
  const at = deps.clock.now();
  const row = await deps.db.transaction((tx) =>
    createUser(tx, { workspaceId: actor.workspaceId, ...input, actor, at }),
  );
  return presentUser(row);
}

/** Disabling signs the user out everywhere and revokes every key that acts for them. */
export async function disableUser(deps: Deps, actor: Actor, id: string) {
  if (id === personOf(actor)) throw new AppError('unprocessable', 'You cannot disable yourself.');
  const at = deps.clock.now();
  const { row, revoked } = await deps.db.transaction(async (tx) => {
    const updated = await disableUserRow(tx, actor.workspaceId, id, at);
    if (!updated) throw notFound('Active user');
    await deleteSessionsOfUser(tx, actor.workspaceId, updated.id);
    const keys = await revokeKeysOfPerson(tx, actor.workspaceId, updated.id, at);
    await recordAudit(tx, actor, at, {
      action: 'user.disabled',
      objectType: 'user',
      objectId: updated.id,
      after: { revokedKeys: keys.map((key) => key.id) },
    });
    return { row: updated, revoked: keys };
  });
  for (const key of revoked) forgetRevokedKey(key.id);
  return presentUser(row);
}
