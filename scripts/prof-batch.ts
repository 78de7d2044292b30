/**
 * Profiles the batch engine in process: `N=2000 SIZE=200 npx tsx scripts/prof-batch.ts` (add
 * DATABASE_URL for PostgreSQL; `node --cpu-prof --import tsx` for a CPU profile). Prints each
 * batch's events per second, of wall time and of this process's CPU time (PGlite runs in it, so
 * that figure does not depend on what else the machine runs).
 */
import { sql } from 'drizzle-orm';
import { runConversionBatch } from '../src/conversions/index.js';

import { openDatabase } from '../src/db/client.js';
import type { Actor } from '../src/shared/actor.js';
import { systemClock } from '../src/shared/clock.js';
import { newReferralCode } from '../src/shared/ids.js';
import { createWorkspace } from '../src/workspaces/index.js';

const url = process.env.DATABASE_URL;
const database = await openDatabase(
  url ? { databaseUrl: url } : process.env.DATADIR ? { dataDir: process.env.DATADIR } : { memory: true },
);
await database.migrate();
// EXP=sql;sql: statements run after migrating, for experiments (dropping a trigger, a key).
for (const statement of (process.env.EXP ?? '').split(';').filter((s) => s.trim())) {
  await database.db.execute(sql.raw(statement));
}
const at = new Date();
const ws = await createWorkspace(database.db, { name: `prof ${at.toISOString()}`, at });
const N = Number(process.env.N ?? 4000);
const codes = Array.from({ length: N + 100 }, () => newReferralCode());
await database.db.execute(sql`
  insert into participants (workspace_id, id, name, email, email_normalized, kind, referral_code, created_at, updated_at)
  select ${ws.id}, 'par_p' || lpad(i::text, 8, '0'), 'Person ' || i, 'p' || i || '@b.test', 'p' || i || '@b.test', 'customer', code,
    now() - interval '60 days', now() - interval '60 days'
  from jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb) with ordinality as t(code, i)`);
await database.db.execute(sql`
  insert into referrals (workspace_id, id, referrer_id, referred_id, source, evidence, referred_at, created_by, created_by_name, created_at)
  select ${ws.id}, 'ref_p' || lpad(c::text, 8, '0'), 'par_p' || lpad((1 + (c % 100))::text, 8, '0'),
    'par_p' || lpad((101 + c)::text, 8, '0'), 'manual', '{}'::jsonb, now() - interval '30 days', 'bench', 'B', now() - interval '30 days'
  from generate_series(0, ${N - 1}) as c`);
const actor: Actor = { type: 'system', id: 'bench', name: 'B', role: 'system', workspaceId: ws.id };
const deps = { db: database.db, clock: systemClock, publicUrl: 'http://x' };
const size = Number(process.env.SIZE ?? 200);
// PROFILE=file.cpuprofile: a CPU profile of the batches alone (not the store's start or the seed).
const { Session } = await import('node:inspector/promises');
const inspector = process.env.PROFILE ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
let n = 0;
for (let round = 0; round < N / size; round++) {
  const events = Array.from({ length: size }, () => {
    const i = n++;
    return {
      actor,
      input: {
        externalId: `e-${i}`,
        type: 'invoice_paid' as const,
        // INVOICES=k: each customer pays k invoices (a billing history), interleaved across customers.
        referredId: `par_p${String(101 + (i % Math.ceil(N / Number(process.env.INVOICES ?? 1)))).padStart(8, '0')}`,
        amount: 10000,
        currency: 'USD',
      },
    };
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const results = await runConversionBatch(deps, events);
  const ms = performance.now() - started;
  // This process's CPU time: on PGlite (in process) the batch's cost whatever else the machine runs.
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;

  const bad = results.filter((r) => r.status !== 201).length;
  console.log(
    `batch ${round}: ${size} events in ${ms.toFixed(0)} ms = ${((size / ms) * 1000).toFixed(0)}/s (CPU ${cpuMs.toFixed(0)} ms = ${((size / cpuMs) * 1000).toFixed(0)}/s), ${bad} not 201 ${bad ? JSON.stringify(results.find((r) => r.status !== 201)?.error?.message) : ''}`,
  );
}
if (inspector) {
  const { profile } = await inspector.post('Profiler.stop');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.PROFILE as string, JSON.stringify(profile));
}
await database.close();
