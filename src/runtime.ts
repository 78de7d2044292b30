import { randomBytes } from 'node:crypto';
import { createApiKey, createUser } from './access/index.js';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import type { Actor } from './shared/actor.js';
import { systemClock } from './shared/clock.js';
import { countWorkspaces, createWorkspace } from './workspaces/index.js';

export async function openConfiguredDatabase(config: Config, purpose: string): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    purpose,
  });
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

export interface FirstRun {
  workspaceName: string;
  ownerKey: string;
  ownerEmail: string;
  ownerPassword: string;
}

/**
 * On the very first start (an empty store) there is nobody to sign in as: make a workspace, an
 * owner API key and an owner user, and hand them to the person who started the service.
 */
export async function prepareFirstRun(
  database: Database,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FirstRun | null> {
  if ((await countWorkspaces(database.db)) > 0) return null;
  const at = systemClock.now();
  const workspaceName = env.REWARDLOOP_WORKSPACE || 'My workspace';
  const workspace = await createWorkspace(database.db, { name: workspaceName, at });
  const actor: Actor = { type: 'system', id: 'system', name: 'First start', role: 'system', workspaceId: workspace.id };
  const ownerEmail = env.REWARDLOOP_OWNER_EMAIL || 'owner@example.com';
  const ownerPassword = randomBytes(9).toString('base64url');
  return database.db.transaction(async (tx) => {
    const owner = await createUser(tx, {
      workspaceId: workspace.id,
      email: ownerEmail,
      password: ownerPassword,
      name: 'Owner',
      role: 'owner',
      actor,
      at,
    });
    // The sign-in and the key go to the same person: the key acts for the owner.
    const { key } = await createApiKey(tx, {
      workspaceId: workspace.id,
      role: 'owner',
      name: 'First owner key',
      actor,
      at,
      forUserId: owner.id,
    });
    return { workspaceName, ownerKey: key, ownerEmail, ownerPassword };
  });
}
