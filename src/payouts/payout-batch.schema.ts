import { z } from 'zod';
import {
  CurrencySchema,
  DateTimeSchema,
  NoteSchema,
  PageQuerySchema,
  TimestampSchema,
  text,
} from '../shared/schemas.js';
import { EXPORT_FORMATS, PAYOUT_BATCH_STATUSES } from './payout-batch.core.js';

export const CreatePayoutBatchSchema = z.strictObject({
  currency: CurrencySchema,
  through: DateTimeSchema.optional(),
  note: NoteSchema.optional(),
});

export const ApprovePayoutBatchSchema = z.strictObject({ note: NoteSchema.optional() });

export const MarkPaidSchema = z.strictObject({
  /** The bank transfer's or PayPal payout batch's reference, recorded on every reward. */
  reference: text(200, 1),
});

export const CancelPayoutBatchSchema = z.strictObject({ reason: text(2000, 1) });

export const PayoutBatchListQuerySchema = PageQuerySchema.extend({
  status: z.enum(PAYOUT_BATCH_STATUSES).optional(),
});

export const PayoutExportQuerySchema = z.strictObject({ format: z.enum(EXPORT_FORMATS).default('generic') });

const LineSchema = z.object({
  participantId: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  amount: z.number(),
  rewardIds: z.array(z.string()),
});

export const PayoutBatchSchema = z
  .object({
    id: z.string(),
    status: z.enum(PAYOUT_BATCH_STATUSES),
    currency: z.string(),
    through: TimestampSchema,
    note: z.string().nullable(),
    /** What is paid: the lines still in the batch. */
    total: z.number(),
    /** What the draft held when it was made. */
    draftTotal: z.number(),
    payees: z.number(),
    rewards: z.number(),
    lines: z.array(LineSchema),
    removed: z.array(
      z.object({
        rewardId: z.string(),
        participantId: z.string(),
        name: z.string(),
        amount: z.number(),
        reason: z.string(),
        removedAt: TimestampSchema,
      }),
    ),
    checksum: z.string().nullable(),
    checksumMatches: z.boolean().nullable(),
    maker: z.object({ id: z.string(), name: z.string() }),
    scheduledFor: z.string().nullable(),
    approval: z.object({
      required: z.number(),
      remaining: z.number(),
      approvers: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          role: z.string(),
          note: z.string().nullable(),
          at: TimestampSchema,
        }),
      ),
      /** Whether the caller may approve it now, and if not, why. */
      youMayApprove: z.boolean(),
      whyNot: z.string().nullable(),
    }),
    createdAt: TimestampSchema,
    approvedAt: TimestampSchema.nullable(),
    paidAt: TimestampSchema.nullable(),
    paidByName: z.string().nullable(),
    paidReference: z.string().nullable(),
    cancelledAt: TimestampSchema.nullable(),
    cancelledByName: z.string().nullable(),
    cancelReason: z.string().nullable(),
  })
  .meta({ id: 'PayoutBatch' });

export type PayoutBatch = z.infer<typeof PayoutBatchSchema>;
