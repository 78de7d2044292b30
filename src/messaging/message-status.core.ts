/** Where a message is in the outbox; the database enum is built from this list. */
export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'failed',
  'skipped',
  'cancelled',
  /** The provider refused our configuration (sender, credentials); waits for a fixed one. */
  'held',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
