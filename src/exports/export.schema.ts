import { z } from 'zod';
import { REWARD_STATUSES } from '../rewards/lifecycle.core.js';
import { DateTimeSchema } from '../shared/schemas.js';

const StatusList = z
  .string()
  .max(200)
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(REWARD_STATUSES)).min(1).max(REWARD_STATUSES.length))
  .meta({ description: 'Reward statuses, comma-separated (rewards only), e.g. `sent,thanked`.' });

/** The list filters: `status` (rewards), `from` and `to` on when each row was created (from inclusive, to exclusive). */
export const ExportQuerySchema = z.strictObject({
  status: StatusList.optional(),
  from: DateTimeSchema.optional(),
  to: DateTimeSchema.optional(),
});
export type ExportQuery = z.infer<typeof ExportQuerySchema>;
