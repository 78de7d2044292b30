import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { messages, messageTemplates } from '../db/schema.js';
import type { MessageKind } from './templates.core.js';

export async function listCustomTemplates(db: Executor, workspaceId: string) {
  return db.select().from(messageTemplates).where(eq(messageTemplates.workspaceId, workspaceId));
}

export async function upsertTemplate(
  db: Executor,
  row: {
    workspaceId: string;
    kind: MessageKind;
    channel: 'email' | 'sms';
    subject: string | null;
    bodyText: string;
    bodyHtml: string | null;
    updatedBy: string;
    updatedAt: Date;
  },
) {
  const { workspaceId: _workspaceId, kind: _kind, channel: _channel, ...changes } = row;
  await db
    .insert(messageTemplates)
    .values(row)
    .onConflictDoUpdate({
      target: [messageTemplates.workspaceId, messageTemplates.kind, messageTemplates.channel],
      set: changes,
    });
}

export async function deleteTemplate(db: Executor, workspaceId: string, kind: MessageKind, channel: 'email' | 'sms') {
  await db
    .delete(messageTemplates)
    .where(
      and(
        eq(messageTemplates.workspaceId, workspaceId),
        eq(messageTemplates.kind, kind),
        eq(messageTemplates.channel, channel),
      ),
    );
}

/** A participant's messages, newest first (the participant page shows the latest 200). */
export async function listMessagesOfParticipant(db: Executor, workspaceId: string, participantId: string) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.workspaceId, workspaceId), eq(messages.participantId, participantId)))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(200);
}
