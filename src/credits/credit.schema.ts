import { z } from 'zod';
import { AmountSchema, CurrencySchema, IdSchema, TimestampSchema, text } from '../shared/schemas.js';
import { CREDIT_ENTRY_KINDS } from './credit.core.js';

/** The credit ledger's contract: a participant's balances and entries, and redeeming credit. */
export const CreditParamsSchema = z.strictObject({ id: IdSchema });

export const CreditEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(CREDIT_ENTRY_KINDS),
    amount: z.number().meta({ description: 'Minor units, always positive: the kind says the direction.' }),
    currency: z.string(),
    rewardId: z.string().nullable(),
    reference: z.string().nullable(),
    createdBy: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'CreditEntry' });

export const CreditBalanceSchema = z.object({ currency: z.string(), amount: z.number() }).meta({ id: 'CreditBalance' });

export const CreditsSchema = z
  .object({
    participantId: z.string(),
    balances: z.array(CreditBalanceSchema),
    entries: z.array(CreditEntrySchema),
  })
  .meta({ id: 'Credits' });

export const RedeemCreditSchema = z
  .strictObject({
    amount: AmountSchema.refine((value) => value > 0, 'Must be more than 0.'),
    currency: CurrencySchema,
    reference: text(200, 1).meta({
      description: 'What the credit paid for, in your billing system (an invoice number).',
    }),
  })
  .meta({ id: 'RedeemCredit' });

export const CreditRedemptionSchema = z
  .object({ entry: CreditEntrySchema, balance: CreditBalanceSchema })
  .meta({ id: 'CreditRedemption' });

export type CreditEntry = z.infer<typeof CreditEntrySchema>;
export type Credits = z.infer<typeof CreditsSchema>;
export type RedeemCredit = z.infer<typeof RedeemCreditSchema>;
