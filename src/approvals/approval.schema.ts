import { z } from 'zod';
import { CheckResultSchema, RewardSchema } from '../rewards/reward.schema.js';

/** A claim waiting for a decision, with what the reviewer needs beside it. */
export const ApprovalItemSchema = z
  .object({
    reward: RewardSchema,
    checks: z.array(CheckResultSchema),
    fraudSignals: z.array(z.object({ signal: z.string(), points: z.number(), detail: z.string() })),
    canApprove: z.boolean(),
    blockers: z.array(z.string()),
  })
  .meta({ id: 'ApprovalItem' });

export type ApprovalItem = z.infer<typeof ApprovalItemSchema>;
