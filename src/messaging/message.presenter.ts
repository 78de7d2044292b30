import type { MessageRow } from './outbox.service.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function presentMessage(row: MessageRow) {
  return {
    messageId: row.id,
    kind: row.kind,
    channel: row.channel,
    status: row.status,
    skipReason: row.skipReason,
    to: row.toAddress,
    attempts: row.attempts,
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
  };
}
