import type { FastifyRequest } from 'fastify';
import type { Actor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';

// Who the request is from, found by access/'s authentication hook (access/authenticate.hook.ts).
declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** Public routes (health, docs, landing pages, webhooks that verify their own signature). */
    public?: boolean;
    /** A field of the answer that is a secret shown once: idempotent replays do not repeat it. */
    secretInResponse?: string;
  }
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthorized', 'Sign in or send an API key.');
  return request.actor;
}
