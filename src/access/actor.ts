import type { Role } from './roles.core.js';

/** Who is acting: a signed-in user, an API key, or the system itself (workers, auto-approval). */
export interface Actor {
  type: 'user' | 'api_key' | 'system';
  id: string;
  name: string;
  role: Role | 'system';
  workspaceId: string;
  requestId?: string | undefined;
}

export function systemActor(workspaceId: string, name = 'Rewardloop'): Actor {
  return { type: 'system', id: 'system', name, role: 'system', workspaceId };
}
