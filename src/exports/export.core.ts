/**
 * CSV exports, the pure part: which columns each kind has, amounts as text, and cells made
 * safe to open in a spreadsheet.
 */
import { decimalAmount } from '../shared/currency.js';

export const EXPORT_KINDS = ['rewards', 'participants', 'conversions', 'audit-events'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Rows per keyset page: memory stays flat however many rows there are. */
export const EXPORT_PAGE_SIZE = 1000;

/**
 * A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return
 * before one) as a formula: a participant named `=HYPERLINK(...)` would run when finance opens
 * the file. Such text gets a leading `'` (OWASP's advice), which spreadsheets show as text.
 * Only text cells are touched: numbers (a negative amount) stay numbers.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export { decimalAmount };

type Cell = string | number | boolean | Date | null | undefined | Record<string, unknown>;

/** One CSV cell: dates as UTC ISO, objects as JSON, text neutralised, nothing as empty. */
export function toCell(value: Cell): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return neutraliseCell(JSON.stringify(value));
  return neutraliseCell(value);
}

/** The header of each kind, in order; rows are built by the repo's queries in the same order. */
export const EXPORT_COLUMNS: Record<ExportKind, readonly string[]> = {
  rewards: [
    'id',
    'status',
    'kind',
    'payeeId',
    'payeeName',
    'payeeEmail',
    'milestone',
    'sourceRewardId',
    'rewardType',
    'amountMinor',
    'amount',
    'currency',
    'summary',
    'referrerId',
    'referrerName',
    'referrerEmail',
    'referredId',
    'referredName',
    'conversionId',
    'recommendation',
    'fraudScore',
    'createdAt',
    'approvedAt',
    'sentAt',
    'sentReference',
    'thankedAt',
    'closedAt',
    'closedReason',
  ],
  participants: [
    'id',
    'name',
    'email',
    'phone',
    'kind',
    'externalId',
    'referralCode',
    'emailMarketingConsent',
    'smsMarketingConsent',
    'doNotContact',
    'createdVia',
    'createdAt',
    'updatedAt',
  ],
  conversions: [
    'id',
    'source',
    'externalId',
    'type',
    'outcome',
    'amountMinor',
    'amount',
    'currency',
    'referredId',
    'referredExternalId',
    'originalExternalId',
    'occurredAt',
    'receivedAt',
  ],
  'audit-events': [
    'id',
    'createdAt',
    'actorType',
    'actorId',
    'actorName',
    'actorRole',
    'action',
    'objectType',
    'objectId',
    'before',
    'after',
    'requestId',
  ],
};

/** The row as CSV cells, money twice: minor units for machines, a decimal for people. */
export function exportRecord(kind: ExportKind, row: Record<string, Cell>): (string | number)[] {
  const amountMinor = row.amountMinor === null || row.amountMinor === undefined ? undefined : Number(row.amountMinor);
  return EXPORT_COLUMNS[kind].map((column) => {
    const value = row[column];
    if (column === 'amountMinor') return amountMinor ?? '';
    if (column === 'amount') {
      return amountMinor !== undefined && typeof row.currency === 'string'
        ? decimalAmount(amountMinor, row.currency)
        : '';
    }
    // Times arrive as the driver gives them (a Date, or PostgreSQL's text): always UTC ISO out.
    if (column.endsWith('At') && (typeof value === 'string' || value instanceof Date))
      return new Date(value).toISOString();
    return toCell(value);
  });
}
