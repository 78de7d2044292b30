import { getCountries } from 'libphonenumber-js';
import { z } from 'zod';
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
  })
  .meta({ id: 'WorkspaceSettings' });

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
});

export type WorkspaceSettings = z.infer<typeof WorkspaceSettingsSchema>;
export type WorkspaceSettingsInput = z.infer<typeof WorkspaceSettingsInputSchema>;
