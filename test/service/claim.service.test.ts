import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReward } from '../../src/rewards/reward.repo.js';
import { approveReward, closeReward } from '../../src/rewards/reward.service.js';
import { isAppError } from '../../src/shared/errors.js';
import {
  type Ctx,
  newContext,
  newConversion,
  newParticipant,
  newReferral,
  newReward,
  setPolicy,
} from '../support/factories.js';

/** The claim engine through its services, on a real database, without HTTP. */
describe('the claim engine', () => {
  let ctx: Ctx;
  beforeAll(async () => {
    ctx = await newContext();
    await setPolicy(ctx, {
      rewardType: 'gift_card',
      amount: 2500,
      currency: 'USD',
      tiers: [
        { fromReferral: 1, amount: 2500 },
        { fromReferral: 2, amount: 5000 },
      ],
    });
  });
  afterAll(() => ctx.close());

  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'none';
    } catch (error) {
      return isAppError(error) ? error.code : String(error);
    }
  };

  it('gives a referrer’s second converted referral the next tier, with the calculation written down', async () => {
    const jess = await newParticipant(ctx, { name: 'Jessica Alvarez' });
    for (const name of ['Sam', 'Kim']) {
      const customer = await newParticipant(ctx, { name });
      await newReferral(ctx, jess, customer);
      await newConversion(ctx, customer);
    }
    const claims = await ctx.database.db.query.rewards.findMany({
      where: (r, { and, eq }) => and(eq(r.workspaceId, ctx.workspaceId), eq(r.referrerId, jess.id)),
      orderBy: (r, { asc }) => [asc(r.ordinal)],
    });
    expect(claims.map((claim) => [claim.ordinal, claim.amount])).toEqual([
      [1, 2500], // $25.00
      [2, 5000], // $50.00
    ]);
    expect(claims[1]?.calculation).toContain('2nd converted referral');
  });

  it('keeps a refund that arrives before its sale and voids the claim once the sale arrives', async () => {
    const referrer = await newParticipant(ctx);
    const customer = await newParticipant(ctx, { externalId: 'crm-late' });
    await newReferral(ctx, referrer, customer);
    await newConversion(ctx, customer, {
      externalId: 'refund-1',
      type: 'refund',
      originalExternalId: 'inv-1',
      amount: 100_000,
    });
    const sale = await newConversion(ctx, customer, { externalId: 'inv-1' });
    const reward = await findReward(ctx.database.db, ctx.workspaceId, sale.rewards[0]?.id ?? '');
    expect(reward?.status).toBe('reversed');
  });

  it('refuses the maker’s approval and takes someone else’s', async () => {
    const staff = ctx.person('staff', 'Sally Staff');
    const fiona = ctx.person('finance', 'Fiona Finance');
    const { reward } = await newReward(ctx, { actor: staff });
    expect(await codeOf(approveReward(ctx.deps, { ...staff, role: 'finance' }, reward.id, {}))).toBe('maker_checker');
    const approved = await approveReward(ctx.deps, fiona, reward.id, {});
    expect(approved.status).toBe('pending');
    // One path for the closing moves: a declined reward says why.
    const declined = await closeReward(ctx.deps, staff, reward.id, 'decline', { reason: 'Referrer said no thanks' });
    expect(declined).toMatchObject({ status: 'declined', closedReason: 'Referrer said no thanks' });
    expect(await codeOf(closeReward(ctx.deps, staff, reward.id, 'decline', { reason: 'again' }))).toBe(
      'invalid_transition',
    );
  });
});
