import type { Role } from './vocabulary.js';

export const ACTOR_TYPES = ['user', 'api_key', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * Who is acting: a signed-in user, an API key, or the system itself (workers, auto-approval).
 * Every layer speaks it (services, the audit trail, the HTTP layer), so it lives below them all;
 * access/ decides who a request's actor is and what its role may do.
 */
export interface Actor {
  type: ActorType;
  id: string;
  name: string;
  role: Role | 'system';
  workspaceId: string;
  requestId?: string | undefined;
  /**
   * The person behind an API key minted by a signed-in user (directly, or through keys they
   * minted): maker-checker treats that key and its creator as one person.
   */
  personId?: string | undefined;
}

/** Who is acting, as maker-checker sees it: the person behind the credential. */
export function personOf(actor: Pick<Actor, 'id' | 'personId'>): string {
  return actor.personId ?? actor.id;
}

export function systemActor(workspaceId: string, name = 'Rewardloop'): Actor {
  return { type: 'system', id: 'system', name, role: 'system', workspaceId };
}
