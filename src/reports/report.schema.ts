import { z } from 'zod';

/**
 * The program's measurements: claims created, approved, flagged, disputed, duplicates, time from
 * conversion to sent, reward cost against referred revenue — as totals and week by week.
 */
const MoneyListSchema = z.array(z.object({ currency: z.string(), amount: z.number() }));

export const DashboardSchema = z
  .object({
    weeks: z.number(),
    since: z.string(),
    totals: z.object({
      claimsCreated: z.number(),
      approved: z.number(),
      flagged: z.number(),
      disputed: z.number(),
      duplicates: z.number(),
      exceptions: z.number(),
      sent: z.number(),
      reversed: z.number(),
      medianHoursToSent: z.number().nullable(),
      rewardCost: MoneyListSchema,
      referredRevenue: MoneyListSchema,
      openRecoveryTasks: z.number(),
    }),
    weekly: z.array(
      z.object({
        weekStart: z.string(),
        created: z.number(),
        approved: z.number(),
        sent: z.number(),
        flagged: z.number(),
        rewardCost: MoneyListSchema,
      }),
    ),
  })
  .meta({ id: 'Dashboard' });

/**
 * Eligibility accuracy, the audit figure: of the rewards sent in a period, the share carrying
 * attribution evidence, a qualifying event, the program terms version, the fraud checks, the
 * payout calculation and an approval record. The database refuses to mark a reward sent without
 * them, so this should read 100%; the report checks rather than trusts that.
 */
export const ACCURACY_CRITERIA = [
  'attribution_evidence',
  'qualifying_event',
  'program_terms',
  'fraud_check',
  'payout_calculation',
  'approval_record',
] as const;

export const EligibilityAccuracyReportSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    rewardsSent: z.number(),
    complete: z.number(),
    accuracyPercent: z.number().nullable(),
    criteria: z.array(z.enum(ACCURACY_CRITERIA)),
    incomplete: z.array(
      z.object({ rewardId: z.string(), sentAt: z.string(), lacks: z.array(z.enum(ACCURACY_CRITERIA)) }),
    ),
  })
  .meta({ id: 'EligibilityAccuracyReport' });

export type Dashboard = z.infer<typeof DashboardSchema>;
export type EligibilityAccuracyReport = z.infer<typeof EligibilityAccuracyReportSchema>;
