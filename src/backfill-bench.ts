/**
 * `rewardloop bench --backfill`: a billing history (BENCH_BACKFILL_EVENTS, 100,000 by default)
 * recorded twice into two identical workspaces of one store — through the batch engine in
 * batches of 1,000 (what POST /v1/conversions/batch runs), and one event at a time through the
 * one-event path — timing both and comparing the claims they leave (conversion outcomes, claims
 * with their referrer, ordinal, amount and status, flags). The history has what a real one has:
 * customers paying several invoices, refunds and chargebacks, events for customers the CRM knows
 * but Rewardloop does not yet, and a replay now and then.
 */
import { createHash } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import { sql } from 'drizzle-orm';
import { recordConversionOneByOne, runConversionBatch } from './conversions/index.js';
import { type Database, openDatabase } from './db/client.js';
import { rowsOf } from './db/json-rows.js';
import type { Actor } from './shared/actor.js';
import { systemClock } from './shared/clock.js';
import { newReferralCode } from './shared/ids.js';
import { createWorkspace } from './workspaces/index.js';

const REFERRERS = 2000;

/** A deterministic history: event n of `total` for `customers` customers. */
function historyEvent(n: number, customers: number): Record<string, unknown> {
  const customer = (n * 7919) % customers;
  if (n % 20 === 19) {
    // A refund (or, every fifth time, a chargeback) of an earlier invoice.
    const of = n - 1 - ((n * 31) % Math.min(n, 50));
    return {
      externalId: `ref-${n}`,
      source: 'billing',
      type: n % 100 === 99 ? 'chargeback' : 'refund',
      amount: 2_000 + ((of * 37) % 50_000),
      currency: 'USD',
      originalExternalId: `inv-${of}`,
    };
  }
  if (n % 50 === 7) return { ...historyEvent(n - 1, customers) }; // a replay of the event before
  return {
    externalId: `inv-${n}`,
    source: 'billing',
    type: 'invoice_paid',
    referredExternalId: `cus-${customer}`,
    amount: 2_000 + ((n * 37) % 50_000),
    currency: 'USD',
  };
}

async function seedWorkspace(database: Database, name: string, customers: number) {
  const at = new Date();
  const workspace = await createWorkspace(database.db, { name: `${name} ${at.toISOString()}`, at });
  const total = REFERRERS + customers;
  // 2% of the customers are not known yet: their events wait for them.
  const known = Math.floor(customers * 0.98);
  for (let start = 0; start < total; start += 5000) {
    const size = Math.min(5000, total - start);
    const codes = Array.from({ length: size }, () => newReferralCode());
    await database.db.execute(sql`
      insert into participants (workspace_id, id, name, email, email_normalized, kind, referral_code, external_id, created_at, updated_at)
      select ${workspace.id}, 'par_bf' || lpad((${start} + i)::text, 8, '0'), 'Person ' || (${start} + i),
             'p' || (${start} + i) || '@backfill.test', 'p' || (${start} + i) || '@backfill.test', 'customer', code,
             case when ${start} + i > ${REFERRERS}::int then 'cus-' || (${start} + i - ${REFERRERS + 1}::int) end,
             now() - interval '400 days', now() - interval '400 days'
      from jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb) with ordinality as t(code, i)
      where ${start} + i <= ${REFERRERS + known}::int`);
  }
  await database.db.execute(sql`
    insert into referrals (workspace_id, id, referrer_id, referred_id, source, evidence, referred_at, created_by, created_by_name, created_at)
    select ${workspace.id}, 'ref_bf' || lpad(c::text, 8, '0'),
           'par_bf' || lpad((1 + (c % ${REFERRERS}))::text, 8, '0'),
           'par_bf' || lpad((1 + ${REFERRERS} + c)::text, 8, '0'),
           'manual', '{}'::jsonb, now() - interval '399 days', 'bench', 'Benchmark', now() - interval '399 days'
    from generate_series(0, ${known - 1}) as c where c % 10 <> 3`);
  await database.db.execute(sql`analyze`);
  const actor: Actor = { type: 'system', id: 'backfill', name: 'Backfill', role: 'system', workspaceId: workspace.id };
  return { workspaceId: workspace.id, actor };
}

/** What the backfill left, as a person would compare it: no ids, no times; hashed to compare. */
async function claimsDigest(database: Database, workspaceId: string) {
  const rows = rowsOf<Record<string, unknown>>(
    await database.db.execute(sql`
      select c.external_id, c.outcome, r.ordinal, r.amount, r.status, f.name as referrer,
        (select string_agg(g.type::text, ',' order by g.type) from reward_flags g
          where g.workspace_id = r.workspace_id and g.reward_id = r.id) as flags
      from conversions c
      left join rewards r on r.workspace_id = c.workspace_id and r.conversion_id = c.id
      left join participants f on f.workspace_id = r.workspace_id and f.id = r.referrer_id
      where c.workspace_id = ${workspaceId} order by c.external_id`),
  );
  const claims = rows.filter((row) => row.ordinal !== null).length;
  return { conversions: rows.length, claims, digest: createHash('sha256').update(JSON.stringify(rows)).digest('hex') };
}

export async function benchBackfill(store: string, env: { databaseUrl?: string; dataDir?: string }) {
  const total = Number(process.env.BENCH_BACKFILL_EVENTS ?? 100_000);
  const customers = Math.max(100, Math.floor(total / 3));
  const database = await openDatabase({ ...env, purpose: 'rewardloop bench' });
  try {
    await database.migrate();
    const grouped = await seedWorkspace(database, 'Backfill in batches', customers);
    const alone = await seedWorkspace(database, 'Backfill one by one', customers);
    const deps = { db: database.db, clock: systemClock, publicUrl: 'http://localhost:3000' };
    const events = Array.from({ length: total }, (_, n) => historyEvent(n, customers));

    const bar = new SingleBar({ format: `  ${store.padEnd(10)} {phase} [{bar}] {value}/{total}`, hideCursor: true });
    bar.start(total, 0, { phase: 'batches   ' });
    let started = performance.now();
    for (let from = 0; from < total; from += 1000) {
      const part = events.slice(from, from + 1000).map((input) => ({ actor: grouped.actor, input: input as never }));
      await runConversionBatch(deps, part);
      bar.update(Math.min(total, from + 1000));
    }
    const batchSeconds = (performance.now() - started) / 1000;
    bar.update(0, { phase: 'one by one' });
    started = performance.now();
    for (const [n, input] of events.entries()) {
      try {
        await recordConversionOneByOne(deps, alone.actor, input as never);
      } catch {
        // A refused event is refused in both runs; the comparison below sees what was recorded.
      }
      if (n % 100 === 0) bar.update(n);
    }
    const aloneSeconds = (performance.now() - started) / 1000;
    bar.update(total);
    bar.stop();
    const [a, b] = [await claimsDigest(database, grouped.workspaceId), await claimsDigest(database, alone.workspaceId)];
    console.log(
      `  ${store.padEnd(10)} ${total.toLocaleString('en')} events: batches ${batchSeconds.toFixed(1)} s (${Math.round(total / batchSeconds).toLocaleString('en')}/s), one by one ${aloneSeconds.toFixed(1)} s (${Math.round(total / aloneSeconds).toLocaleString('en')}/s); ${a.conversions.toLocaleString('en')} conversions, ${a.claims.toLocaleString('en')} claims; same claims: ${a.digest === b.digest && a.conversions === b.conversions ? 'yes' : `NO (${b.conversions} conversions, ${b.claims} claims one by one)`}`,
    );
  } finally {
    await database.close();
  }
}
