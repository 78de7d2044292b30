/**
 * The outbox dispatcher. Several may run (in several processes); they coordinate through the
 * database: a batch of due messages is leased with `FOR UPDATE SKIP LOCKED`, sent, and the
 * outcome recorded. A dispatcher that dies mid-send leaves its messages leased; when the lease
 * runs out another one sends them again with the same idempotency key (the outbox id).
 *
 * Consent is checked again here, at send time: a referrer who opted out after the thank-you was
 * queued gets nothing, and the message is recorded as skipped with the reason.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { recordAudit } from '../audit/index.js';
import type { Db, Tx } from '../db/client.js';
import { fromJsonRow, rowsOf } from '../db/json-rows.js';
import { messageAttempts, messages, participants, rewards, workspaces } from '../db/schema.js';
import { observeProviderSend } from '../ops/index.js';
import { systemActor } from '../shared/actor.js';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { type Channel, decideChannel, type SkipReason } from './consent.core.js';
import { releaseLeases } from './lease.repo.js';
import type { MessageRow } from './outbox.service.js';
import { unsubscribeToken } from './outbox.service.js';
import type { Provider, SendResult } from './providers/provider.js';

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  publicUrl: string;
  providers: Partial<Record<Channel, Provider>>;
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  logger?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /**
   * A provider accepted a thank-you for a reward: rewards moves it to thanked (its lifecycle, its
   * audit). Passed in at composition, since rewards depends on messaging.
   */
  onThankYouAccepted: (
    tx: Tx,
    input: { workspaceId: string; rewardId: string; at: Date; detail: Record<string, unknown> },
  ) => Promise<unknown>;
}

/** 30 s, 2 min, 8 min, 32 min, ~2 h, then every 6 h, with ±20% jitter so retries spread out. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(6 * 3_600_000, 30_000 * 4 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

type Workspace = typeof workspaces.$inferSelect;

export function createDispatcher(options: DispatcherOptions) {
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const maxAttempts = options.maxAttempts ?? 8;
  const channels = (Object.keys(options.providers) as Channel[]).filter((channel) => options.providers[channel]);
  const { db, clock } = options;

  /** Leases due messages of the channels we can send; a lease that ran out is fair game. */
  async function leaseBatch(): Promise<(MessageRow & { uncertain: boolean })[]> {
    if (channels.length === 0) return [];
    const now = clock.now();
    const until = new Date(now.getTime() + leaseMs);
    const rows = rowsOf<{ message: unknown; uncertain: boolean }>(
      await db.execute(sql`
        update messages m set status = 'sending', locked_until = ${until.toISOString()}::timestamptz, attempts = m.attempts + 1
        from (
          select workspace_id, id, status as was from messages
          where status in ('queued', 'sending') and next_attempt_at <= ${now.toISOString()}::timestamptz
            and (locked_until is null or locked_until < ${now.toISOString()}::timestamptz)
            and channel::text in (select jsonb_array_elements_text(${JSON.stringify(channels)}::jsonb))
          order by next_attempt_at
          limit ${batchSize}
          for update skip locked
        ) due
        where m.workspace_id = due.workspace_id and m.id = due.id
        returning to_jsonb(m) as message, due.was = 'sending' as uncertain`),
    );
    // "sending" with a lapsed lease: a dispatcher died mid-send, the provider may have it already.
    return rows.map((row) => ({ ...fromJsonRow<MessageRow>(row.message), uncertain: Boolean(row.uncertain) }));
  }

  /** Extends this message's lease just before sending, or learns another dispatcher has it now. */
  async function renewLease(message: MessageRow): Promise<boolean> {
    const renewed = await db
      .update(messages)
      .set({ lockedUntil: new Date(clock.now().getTime() + leaseMs) })
      .where(
        and(
          eq(messages.workspaceId, message.workspaceId),
          eq(messages.id, message.id),
          eq(messages.status, 'sending'),
          eq(messages.attempts, message.attempts),
        ),
      )
      .returning({ id: messages.id });
    return renewed.length > 0;
  }

  async function skip(message: MessageRow, reason: SkipReason | 'cancelled', why: string) {
    const at = clock.now();
    await db.transaction(async (tx) => {
      const updated = await tx
        .update(messages)
        .set(
          reason === 'cancelled'
            ? { status: 'cancelled', lastError: why, lockedUntil: null }
            : { status: 'skipped', skipReason: reason, lastError: why, lockedUntil: null },
        )
        .where(
          and(
            eq(messages.workspaceId, message.workspaceId),
            eq(messages.id, message.id),
            eq(messages.status, 'sending'),
          ),
        )
        .returning({ id: messages.id });
      if (updated.length === 0) return;
      await tx.insert(messageAttempts).values({
        workspaceId: message.workspaceId,
        id: newId('attempt', at.getTime()),
        messageId: message.id,
        attempt: message.attempts,
        provider: 'none',
        outcome: 'skipped',
        error: why,
        startedAt: at,
        finishedAt: at,
      });
      await recordAudit(tx, systemActor(message.workspaceId, 'Dispatcher'), at, {
        action: reason === 'cancelled' ? 'message.cancelled' : 'message.skipped',
        objectType: 'message',
        objectId: message.id,
        after: { reason, why, rewardId: message.rewardId, channel: message.channel },
      });
    });
  }

  async function record(message: MessageRow, provider: Provider, result: SendResult, startedAt: Date) {
    const at = clock.now();
    const where = and(
      eq(messages.workspaceId, message.workspaceId),
      eq(messages.id, message.id),
      eq(messages.status, 'sending'),
      eq(messages.attempts, message.attempts),
    );
    await db.transaction(async (tx) => {
      let changes: Partial<MessageRow>;
      if (result.outcome === 'accepted') {
        changes = {
          status: 'sent',
          provider: provider.name,
          providerMessageId: result.providerMessageId,
          sentAt: at,
          lockedUntil: null,
          lastError: null,
        };
      } else if (result.outcome === 'configuration_error') {
        // Our configuration was refused (sender, credentials): the message is not at fault, so it
        // is held, not failed, and its retry budget starts over once a dispatcher with a fixed
        // configuration releases it (see releaseHeld).
        changes = {
          status: 'held',
          provider: provider.name,
          lastError: result.error,
          lockedUntil: null,
          attempts: 0,
        };
      } else if (result.outcome === 'temporary_failure' && message.attempts < maxAttempts) {
        changes = {
          status: 'queued',
          provider: provider.name,
          lastError: result.error,
          lockedUntil: null,
          nextAttemptAt: new Date(at.getTime() + retryDelayMs(message.attempts)),
        };
      } else {
        changes = {
          status: 'failed',
          provider: provider.name,
          lastError: result.error,
          failedAt: at,
          lockedUntil: null,
        };
      }
      const updated = await tx.update(messages).set(changes).where(where).returning({ id: messages.id });
      // Another dispatcher took this message over after our lease ran out: its record stands.
      if (updated.length === 0) return;
      await tx.insert(messageAttempts).values({
        workspaceId: message.workspaceId,
        id: newId('attempt', at.getTime()),
        messageId: message.id,
        attempt: message.attempts,
        provider: provider.name,
        outcome: result.outcome,
        providerMessageId: result.outcome === 'accepted' ? result.providerMessageId : null,
        error: result.outcome === 'accepted' ? null : result.error,
        startedAt,
        finishedAt: at,
      });
      const system = systemActor(message.workspaceId, 'Dispatcher');
      // A referred person's welcome is their reward's thank-you: delivered, the reward is thanked.
      if (
        result.outcome === 'accepted' &&
        (message.kind === 'thank_you' || message.kind === 'welcome') &&
        message.rewardId
      ) {
        await options.onThankYouAccepted(tx, {
          workspaceId: message.workspaceId,
          rewardId: message.rewardId,
          at,
          detail: { messageId: message.id, channel: message.channel, provider: provider.name },
        });
      }
      if (result.outcome === 'permanent_failure' && result.recipientOptedOut && message.participantId) {
        await tx
          .update(participants)
          .set({ smsMarketingConsent: false, updatedAt: at })
          .where(and(eq(participants.workspaceId, message.workspaceId), eq(participants.id, message.participantId)));
        await recordAudit(tx, system, at, {
          action: 'participant.sms_consent_revoked',
          objectType: 'participant',
          objectId: message.participantId,
          after: { smsMarketingConsent: false, why: 'the carrier reports the recipient opted out (Twilio 21610)' },
        });
      }
      if (result.outcome !== 'accepted') {
        options.logger?.warn(
          { messageId: message.id, outcome: result.outcome, error: result.error },
          'message not sent',
        );
      }
    });
  }

  async function deliver(message: MessageRow & { uncertain: boolean }, workspaceCache: Map<string, Workspace>) {
    const provider = options.providers[message.channel];
    if (!provider) return;
    if (message.attempts > maxAttempts) {
      // Attempts that never recorded an outcome (the sender kept dying on this message): stop.
      return record(
        message,
        provider,
        { outcome: 'permanent_failure', error: `gave up after ${maxAttempts} attempts without an answer` },
        clock.now(),
      );
    }
    let workspace = workspaceCache.get(message.workspaceId);
    if (!workspace) {
      [workspace] = await db.select().from(workspaces).where(eq(workspaces.id, message.workspaceId));
      if (!workspace) return;
      workspaceCache.set(workspace.id, workspace);
    }
    let to = message.toAddress ?? '';
    let unsubscribeUrl: string | undefined;
    if (message.participantId) {
      const [person] = await db
        .select()
        .from(participants)
        .where(and(eq(participants.workspaceId, message.workspaceId), eq(participants.id, message.participantId)));
      if (!person) return skip(message, 'no_address', 'the participant no longer exists');
      const decision = decideChannel(person, message.channel);
      if (!decision.send) return skip(message, decision.reason, `checked at send time: ${decision.reason}`);
      if (message.rewardId) {
        const [reward] = await db
          .select({ status: rewards.status })
          .from(rewards)
          .where(and(eq(rewards.workspaceId, message.workspaceId), eq(rewards.id, message.rewardId)));
        if (reward?.status === 'reversed')
          return skip(message, 'cancelled', 'the reward was reversed before the message went out');
      }
      if (message.channel === 'sms') {
        const [row] = rowsOf<{ n: number }>(
          await db.execute(sql`
            select count(*)::int as n from messages
            where workspace_id = ${message.workspaceId} and participant_id = ${person.id} and channel = 'sms'
              and status in ('sent', 'delivered') and sent_at > ${new Date(clock.now().getTime() - 86_400_000).toISOString()}::timestamptz`),
        );
        if (Number(row?.n ?? 0) >= workspace.smsDailyCap) {
          return skip(message, 'daily_cap', `already ${row?.n} text(s) to this number in the last 24 hours`);
        }
      }
      to = decision.address;
      unsubscribeUrl =
        message.channel === 'email' ? `${options.publicUrl}/u/${unsubscribeToken(workspace, person.id)}` : undefined;
    }
    const business = workspace.companyName || workspace.name;
    const outgoing = {
      id: message.id,
      channel: message.channel,
      to,
      subject: message.subject,
      bodyText: message.bodyText,
      bodyHtml: message.bodyHtml,
      fromName: workspace.senderName ? `${workspace.senderName}, ${business}` : business,
      unsubscribeUrl,
    };
    // The batch was leased at once; sending takes time. Renew this message's lease now, so no
    // other dispatcher can have taken it over while earlier messages were being sent.
    if (!(await renewLease(message))) return;
    const startedAt = clock.now();
    if (message.uncertain && provider.findSent) {
      const already = await provider.findSent(outgoing, message.createdAt);
      if (already) return record(message, provider, { outcome: 'accepted', providerMessageId: already }, startedAt);
    }
    const result = await observeProviderSend(provider.name, message.channel, provider.send(outgoing));
    await record(message, provider, result, startedAt);
  }

  /**
   * Messages held because a provider refused our configuration go back in the queue of a
   * dispatcher that starts (configuration is read at start, so a restart is what fixes it). If
   * the configuration is still wrong, one attempt each puts them back on hold.
   */
  async function releaseHeld(): Promise<number> {
    if (channels.length === 0) return 0;
    const now = clock.now();
    const released = await db
      .update(messages)
      .set({ status: 'queued', nextAttemptAt: now, lockedUntil: null })
      .where(and(eq(messages.status, 'held'), inArray(messages.channel, channels)))
      .returning({ id: messages.id });
    if (released.length > 0) options.logger?.info({ count: released.length }, 'released held messages');
    return released.length;
  }

  /** Sends what is due now; answers how many messages it handled. */
  async function runOnce(): Promise<number> {
    const batch = await leaseBatch();
    const workspaceCache = new Map<string, Workspace>();
    for (const [index, message] of batch.entries()) {
      // Shutting down: what this dispatcher leased but did not start is claimable again at once.
      if (stopped) {
        await releaseLeases(db, batch.slice(index));
        return index;
      }
      try {
        await deliver(message, workspaceCache);
      } catch (error) {
        // The lease runs out and the message is tried again; nothing is lost.
        options.logger?.error({ err: error, messageId: message.id }, 'dispatching a message failed');
      }
    }
    return batch.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  return {
    channels,
    runOnce,
    releaseHeld,
    /** Polls every `intervalMs`, draining full batches back to back. */
    start(intervalMs = 1000) {
      let released = false;
      const tick = async () => {
        if (stopped) return;
        try {
          if (!released) {
            await releaseHeld();
            released = true;
          }
          // A full batch means more may be waiting: go again at once.
          for (;;) {
            running = runOnce();
            if (stopped || (await running) !== batchSize) break;
          }
        } catch (error) {
          options.logger?.error({ err: error }, 'dispatcher poll failed');
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
