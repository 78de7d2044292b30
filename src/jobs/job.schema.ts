import { z } from 'zod';
import { INVITE_DECISIONS } from '../invitations/invitation.core.js';
import { EventTimeSchema, IdSchema, TimestampSchema, text } from '../shared/schemas.js';

export const JobInputSchema = z
  .strictObject({
    externalId: text(200, 1).meta({
      description: 'The job’s id in your CRM or field-service tool: posting it again updates it.',
    }),
    customerId: IdSchema.optional(),
    customerExternalId: text(200, 1).optional(),
    completedAt: EventTimeSchema.optional().meta({ description: 'When the job was completed (default: now).' }),
    satisfactionScore: z
      .int('Must be a whole number from 1 to 5.')
      .min(1, 'Must be from 1 to 5.')
      .max(5, 'Must be from 1 to 5.')
      .optional()
      .meta({ description: 'The customer’s satisfaction, 1-5. Posting the job again with a score adds it.' }),
  })
  .superRefine((job, ctx) => {
    if (!job.customerId === !job.customerExternalId) {
      ctx.addIssue({
        code: 'custom',
        path: ['customerId'],
        message: 'Give exactly one of customerId or customerExternalId.',
      });
    }
  });

export const JobSchema = z
  .object({
    id: z.string(),
    externalId: z.string(),
    customerId: z.string(),
    completedAt: TimestampSchema,
    satisfactionScore: z.number().nullable(),
    invitation: z.object({
      decision: z.enum(INVITE_DECISIONS),
      invitationId: z.string().nullable(),
      sendAfter: TimestampSchema.nullable(),
      messages: z.array(
        z.object({ channel: z.enum(['email', 'sms']), status: z.string(), skipReason: z.string().nullable() }),
      ),
    }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Job' });

export type JobInput = z.infer<typeof JobInputSchema>;
export type Job = z.infer<typeof JobSchema>;
