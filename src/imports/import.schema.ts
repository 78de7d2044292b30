import { z } from 'zod';

const Flag = z
  .enum(['true', 'false', '1', '0'], { error: 'Must be true or false.' })
  .transform((value) => value === 'true' || value === '1');

export const ImportQuerySchema = z.strictObject({
  dryRun: Flag.optional().meta({ description: 'Check every row and answer what would happen; write nothing.' }),
  skipInvalid: Flag.optional().meta({
    description: 'Import the valid rows and report the others. Without it, one bad row imports nothing.',
  }),
});
export type ImportQuery = z.infer<typeof ImportQuerySchema>;

/** The CSV file itself (`text/csv`): a header line of API field names, then one row per line. */
export const ImportBodySchema = z.string().meta({ description: 'The CSV file: a header line, then rows.' });

export const ImportErrorSchema = z.object({
  line: z.number().int().meta({ description: "The file's line number (the header is line 1)." }),
  field: z.string().meta({ description: 'The column at fault, or `row`.' }),
  message: z.string(),
});

export const ImportResultSchema = z
  .object({
    rows: z.number().int().meta({ description: 'Rows in the file (after the header).' }),
    valid: z.number().int(),
    invalid: z.number().int(),
    imported: z
      .number()
      .int()
      .meta({ description: 'Rows written now (0 on a dry run, or when a row is invalid and skipInvalid is off).' }),
    existing: z.number().int().meta({
      description:
        'Valid rows already in the store (an earlier import of the same rows): nothing new is written for them.',
    }),
    dryRun: z.boolean(),
    errors: z.array(ImportErrorSchema),
  })
  .meta({ id: 'ImportResult' });
export type ImportResult = z.infer<typeof ImportResultSchema>;
