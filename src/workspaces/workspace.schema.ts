import { getCountries } from 'libphonenumber-js';
import { z } from 'zod';
import { isTimeZone, parseClock } from '../messaging/send-window.core.js';
import { EmailSchema, NameSchema, text } from '../shared/schemas.js';

const COUNTRIES = new Set<string>(getCountries());

export const WorkspaceSettingsSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    senderName: z.string().nullable(),
    companyName: z.string().nullable(),
    defaultCountry: z.string(),
    notifyEmails: z.array(z.string()),
    smsDailyCap: z.number(),
    notifyRewardIssued: z.boolean(),
    timeZone: z.string(),
    sendWindow: z.object({ start: z.string(), end: z.string() }).nullable(),
    publicLeaderboard: z.boolean(),
  })
  .meta({ id: 'WorkspaceSettings' });

const ClockSchema = z
  .string()
  .refine((value) => parseClock(value) !== null, 'Must be a 24-hour time, HH:MM (e.g. 09:00; 24:00 ends the day).');

export const WorkspaceSettingsInputSchema = z.strictObject({
  name: NameSchema.optional(),
  senderName: text(100).nullable().optional(),
  companyName: text(200).nullable().optional(),
  defaultCountry: z
    .string()
    .refine((code) => COUNTRIES.has(code), 'Must be an ISO 3166 country code in capitals, e.g. US, GB, DE.')
    .optional(),
  notifyEmails: z.array(EmailSchema).max(20).optional(),
  smsDailyCap: z.int().min(0).max(50).optional(),
  notifyRewardIssued: z.boolean().optional(),
  timeZone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'Must be an IANA time zone, e.g. America/Chicago, Europe/London, UTC.')
    .optional(),
  /** Invitations and thank-yous queued outside it wait for it; null sends at any time. */
  sendWindow: z
    .strictObject({ start: ClockSchema, end: ClockSchema })
    .refine((window) => parseClock(window.start) !== parseClock(window.end), {
      message: 'The window must not start and end at the same time.',
      path: ['end'],
    })
    .refine((window) => parseClock(window.start) !== 1440, { message: 'Start before 24:00.', path: ['start'] })
    .refine((window) => parseClock(window.end) !== 0, { message: 'End after 00:00 (use 24:00).', path: ['end'] })
    .nullable()
    .optional(),
  /** Serve /leaderboard/{slug}: opted-in participants, shortened names, nothing else. */
  publicLeaderboard: z.boolean().optional(),
});

export type WorkspaceSettings = z.infer<typeof WorkspaceSettingsSchema>;
export type WorkspaceSettingsInput = z.infer<typeof WorkspaceSettingsInputSchema>;
