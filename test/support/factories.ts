/**
 * The service-level test tier: typed factories on a fresh database, no HTTP. A test builds the
 * facts it needs (`newParticipant(ctx, {...})`, `newReward(ctx)`) through the same services the
 * API uses, so what it exercises is the claim engine itself. Inputs go through the API's own zod
 * schemas, so defaults and validation are the real ones.
 */

import { recordConversion } from '../../src/conversions/batch.service.js';
import type { Database } from '../../src/db/client.js';
import { inTransaction } from '../../src/db/transaction.js';
import type { Deps } from '../../src/deps.js';
import type { ParticipantRow } from '../../src/participants/participant.repo.js';
import { type ParticipantCreate, ParticipantCreateSchema } from '../../src/participants/participant.schema.js';
import { insertParticipant } from '../../src/participants/participant.service.js';
import { ProgramRulesInputSchema, RewardPolicyInputSchema } from '../../src/policy/policy.schema.js';
import { updatePolicy, updateRules } from '../../src/policy/policy.service.js';
import { type ReferralCreate, ReferralCreateSchema } from '../../src/referrals/referral.schema.js';
import { insertReferral } from '../../src/referrals/referral.service.js';
import { findReward, type RewardRow } from '../../src/rewards/reward.repo.js';
import type { Actor } from '../../src/shared/actor.js';
import { manualClock } from '../../src/shared/clock.js';
import { createWorkspace, getWorkspaceOrThrow } from '../../src/workspaces/workspace.service.js';
import { PUBLIC_URL } from './app.js';
import { freshDatabase } from './db.js';

export interface Ctx {
  database: Database;
  deps: Deps;
  clock: ReturnType<typeof manualClock>;
  workspaceId: string;
  /** Acts as the workspace's owner unless a test says otherwise. */
  owner: Actor;
  /** Another person of the workspace with a role (a distinct maker or approver). */
  person(role: Actor['role'], name: string): Actor;
  close(): Promise<void>;
}

let people = 0;
let counter = 0;

export async function newContext(start = new Date('2026-03-02T15:00:00Z')): Promise<Ctx> {
  const database = await freshDatabase();
  const clock = manualClock(start);
  const workspace = await createWorkspace(database.db, { name: `Factory workspace ${++counter}`, at: clock.now() });
  const person = (role: Actor['role'], name: string): Actor => ({
    type: 'api_key',
    id: `key_factory${++people}`,
    name,
    role,
    workspaceId: workspace.id,
  });
  return {
    database,
    deps: { db: database.db, clock, publicUrl: PUBLIC_URL },
    clock,
    workspaceId: workspace.id,
    owner: person('owner', 'Olivia Owner'),
    person,
    close: () => database.close(),
  };
}

export async function newParticipant(
  ctx: Ctx,
  overrides: Partial<ParticipantCreate> = {},
  actor: Actor = ctx.owner,
): Promise<ParticipantRow> {
  const n = ++counter;
  const input = ParticipantCreateSchema.parse({ name: `Person ${n}`, email: `person${n}@example.com`, ...overrides });
  return inTransaction(ctx.database.db, async (tx) =>
    insertParticipant(tx, await getWorkspaceOrThrow(tx, ctx.workspaceId), actor, input, ctx.clock.now()),
  );
}

export async function newReferral(
  ctx: Ctx,
  referrer: { id: string },
  referred: { id: string },
  overrides: Partial<ReferralCreate> = {},
  actor: Actor = ctx.owner,
) {
  const input = ReferralCreateSchema.parse({
    referrerId: referrer.id,
    referredId: referred.id,
    source: 'manual',
    ...overrides,
  });
  return inTransaction(ctx.database.db, (tx) =>
    insertReferral(tx, { actor, at: ctx.clock.now(), publicUrl: PUBLIC_URL }, input),
  );
}

export async function newConversion(
  ctx: Ctx,
  referred: { id: string },
  overrides: Record<string, unknown> = {},
  actor: Actor = ctx.owner,
) {
  const { body } = await recordConversion(ctx.deps, actor, {
    externalId: `deal-${++counter}`,
    type: 'deal_won',
    referredId: referred.id,
    amount: 100_000,
    currency: 'USD',
    ...overrides,
  } as never);
  return body;
}

/** A referrer, a referred customer, the referral and a conversion: the claim the engine made. */
export async function newReward(
  ctx: Ctx,
  options: {
    referrer?: Partial<ParticipantCreate>;
    referred?: Partial<ParticipantCreate>;
    conversion?: Record<string, unknown>;
    actor?: Actor;
  } = {},
): Promise<{ reward: RewardRow; referrer: ParticipantRow; referred: ParticipantRow }> {
  const actor = options.actor ?? ctx.owner;
  const referrer = await newParticipant(ctx, options.referrer, actor);
  const referred = await newParticipant(ctx, options.referred, actor);
  await newReferral(ctx, referrer, referred, {}, actor);
  const result = await newConversion(ctx, referred, options.conversion, actor);
  const id = result.rewards[0]?.id;
  if (!id) throw new Error(`no claim was made: ${result.outcome}`);
  const reward = await findReward(ctx.database.db, ctx.workspaceId, id);
  if (!reward) throw new Error('claim vanished');
  return { reward, referrer, referred };
}

export async function setPolicy(ctx: Ctx, input: Record<string, unknown>) {
  return updatePolicy(ctx.deps, ctx.owner, RewardPolicyInputSchema.parse(input));
}

export async function setRules(ctx: Ctx, input: Record<string, unknown>) {
  return updateRules(
    ctx.deps,
    ctx.owner,
    ProgramRulesInputSchema.parse({
      qualifyingTypes: ['deal_won', 'invoice_paid'],
      allowedReferrerKinds: ['customer', 'partner'],
      termsText: 'One reward per referred customer.',
      termsVersion: '2026-03',
      currency: 'USD',
      ...input,
    }),
  );
}
