import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import {
  ProgramRulesInputSchema,
  ProgramRulesSchema,
  RewardPolicyInputSchema,
  RewardPolicySchema,
} from './policy.schema.js';
import { getPolicy, getRules, updatePolicy, updateRules } from './policy.service.js';

export function policyRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/v1/reward-policy', {
      schema: { tags: ['Policy'], summary: 'The reward policy in force', response: { 200: RewardPolicySchema } },
      handler: async (request) => getPolicy(deps, requireActor(request)),
    });
    r.put('/v1/reward-policy', {
      config: { permission: 'policy:write' },
      schema: {
        tags: ['Policy'],
        summary: 'Set the reward policy (creates a new version; existing claims keep theirs)',
        body: RewardPolicyInputSchema,
        response: { 200: RewardPolicySchema },
      },
      handler: async (request) => updatePolicy(deps, requireActor(request), request.body),
    });
    r.get('/v1/program-rules', {
      schema: { tags: ['Policy'], summary: 'The program rules in force', response: { 200: ProgramRulesSchema } },
      handler: async (request) => getRules(deps, requireActor(request)),
    });
    r.put('/v1/program-rules', {
      config: { permission: 'rules:write' },
      schema: {
        tags: ['Policy'],
        summary: 'Set the program rules (creates a new version; claims record the version that judged them)',
        body: ProgramRulesInputSchema,
        response: { 200: ProgramRulesSchema },
      },
      handler: async (request) => updateRules(deps, requireActor(request), request.body),
    });
  };
}
