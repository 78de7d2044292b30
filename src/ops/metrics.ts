/**
 * Prometheus metrics for the process. One registry per process: counters are incremented from
 * inside other features (through `ops/index.ts`), gauges that describe the database are read at
 * scrape time with a few cheap queries.
 */
import { sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database, Db } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import type { Clock } from '../shared/clock.js';

/** What the ops endpoints need: the database handle (readiness, gauges) and the clock. */
export interface OpsDeps {
  database: Database;
  clock: Clock;
}

export const registry = new Registry();

let defaultsCollected = false;
/** Process metrics (CPU, memory, GC, event-loop lag as `nodejs_eventloop_lag_*`), once per process. */
export function collectProcessMetrics() {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}

export const httpDuration = new Histogram({
  name: 'rewardloop_http_request_duration_seconds',
  help: 'HTTP request durations by method, route pattern (not the raw URL) and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const conversions = new Counter({
  name: 'rewardloop_conversions_total',
  help: 'Conversion events answered, by outcome; replay="true" for a replay of an event already recorded. Counted after the transaction committed.',
  labelNames: ['outcome', 'replay'] as const,
  registers: [registry],
});

const rewardTransitions = new Counter({
  name: 'rewardloop_reward_transitions_total',
  help: 'Reward status changes made by the conditional status update, from → to. Counted when the update succeeds inside its transaction: a transaction that later rolls back still counted.',
  labelNames: ['from', 'to'] as const,
  registers: [registry],
});

const providerSends = new Counter({
  name: 'rewardloop_provider_sends_total',
  help: 'Messages handed to a provider, by provider, channel and outcome (accepted, temporary_failure, permanent_failure, error).',
  labelNames: ['provider', 'channel', 'outcome'] as const,
  registers: [registry],
});

const providerFailures = new Counter({
  name: 'rewardloop_provider_failures_total',
  help: 'Provider sends that did not succeed, by provider, channel and kind (temporary_failure, permanent_failure, configuration_error, error: the call threw).',
  labelNames: ['provider', 'channel', 'kind'] as const,
  registers: [registry],
});

const outboxWaiting = new Gauge({
  name: 'rewardloop_outbox_waiting_messages',
  help: 'Messages waiting in the outbox (queued or being sent), per channel, read from the database at scrape time.',
  labelNames: ['channel'] as const,
  registers: [registry],
});

const outboxOldestAge = new Gauge({
  name: 'rewardloop_outbox_oldest_waiting_age_seconds',
  help: 'Age of the oldest message waiting in the outbox, per channel (0 when none waits), read at scrape time.',
  labelNames: ['channel'] as const,
  registers: [registry],
});

const dbConnections = new Gauge({
  name: 'rewardloop_db_connections',
  help: 'Database connections of this process: max, total, idle and waiting (clients queued for a connection) for a PostgreSQL pool; the embedded PGlite is one in-process connection (max and total 1).',
  labelNames: ['database', 'state'] as const,
  registers: [registry],
});

export function countConversion(outcome: string, replay: boolean) {
  conversions.inc({ outcome, replay: String(replay) });
}

/** After a conditional status update: counts it when it moved the reward to a new status. */
export function countRewardTransition(from: readonly string[], to: string | undefined, updated: boolean) {
  if (!updated || to === undefined) return;
  rewardTransitions.inc({ from: from.length === 1 ? (from[0] as string) : [...from].sort().join('|'), to });
}

export function countProviderSend(provider: string, channel: string, outcome: string) {
  providerSends.inc({ provider, channel, outcome });
  if (outcome !== 'accepted') providerFailures.inc({ provider, channel, kind: outcome });
}

const CHANNELS = ['email', 'sms'] as const;

/** Sets the gauges that describe the database; one grouped query over the outbox's due index. */
export async function refreshDatabaseGauges(database: Database, now: Date) {
  await refreshOutboxGauges(database.db, now);
  const use = database.connections();
  dbConnections.reset();
  for (const [state, value] of Object.entries(use)) {
    if (value !== undefined) dbConnections.set({ database: database.kind, state }, value);
  }
}

async function refreshOutboxGauges(db: Db, now: Date) {
  // Served by messages_due_idx (partial on status in ('queued', 'sending')).
  const rows = rowsOf<{ channel: string; n: number; oldest: number | string | null }>(
    await db.execute(sql`
      select channel::text as channel, count(*)::int as n, extract(epoch from min(created_at))::float8 as oldest
      from messages where status in ('queued', 'sending') group by channel`),
  );
  for (const channel of CHANNELS) {
    const row = rows.find((r) => r.channel === channel);
    outboxWaiting.set({ channel }, Number(row?.n ?? 0));
    const oldest = row?.oldest == null ? undefined : Number(row.oldest) * 1000;
    outboxOldestAge.set({ channel }, oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest) / 1000));
  }
}
