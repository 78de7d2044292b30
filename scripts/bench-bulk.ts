/**
 * Times the batch engine's bulk inserts (src/db/bulk.ts) against the form before them
 * (scripts/bulk-before.ts) on the real tables, with their keys and triggers:
 * `npx tsx scripts/bench-bulk.ts` (add DATABASE_URL for PostgreSQL). It runs BATCHES batches of
 * SIZE events as scripts/prof-batch.ts does, the last one in a rolled-back transaction, and
 * records the rows that one inserted (per statement, in order). Then it inserts them again with
 * each form, ROUNDS times interleaved, each round in a rolled-back transaction, and prints each
 * statement's median and minimum. On PGlite the time is this process's CPU time (PGlite runs in
 * it; other processes on the machine do not count), WALL=1 for wall time; on PostgreSQL wall time.
 * Before the timed rounds both forms run once in savepoints of one transaction (the same now())
 * and every table of the schema is hashed after each: they must leave the same rows and work_mem
 * as it was (EQUAL is printed, or the script fails). EXPLAIN=1 prints EXPLAIN ANALYZE of each
 * recorded statement.
 */
import { PGlite } from '@electric-sql/pglite';
import { getTableColumns, getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { runConversionBatch } from '../src/conversions/index.js';
import { insertRows } from '../src/db/bulk.js';
import { openDatabase, type Tx } from '../src/db/client.js';
import { rowsOf } from '../src/db/json-rows.js';
import * as schema from '../src/db/schema.js';
import type { Actor } from '../src/shared/actor.js';
import { systemClock } from '../src/shared/clock.js';
import { newReferralCode } from '../src/shared/ids.js';
import { createWorkspace } from '../src/workspaces/index.js';
import { insertRowsBefore } from './bulk-before.js';

// Recording: each bulk statement's text and JSON document, from either driver.
let recording: { text: string; payload: string }[] | undefined;
const note = (text: unknown, params: unknown) => {
  if (!recording || typeof text !== 'string' || !text.includes('jsonb_populate_recordset(null::')) return;
  if (Array.isArray(params) && typeof params[0] === 'string') recording.push({ text, payload: params[0] });
};
type Query = (...args: unknown[]) => Promise<unknown>;
const proto = PGlite.prototype as unknown as {
  transaction: (cb: (tx: { query: Query }) => Promise<unknown>) => Promise<unknown>;
};
const transaction = proto.transaction;
proto.transaction = function (this: unknown, cb) {
  return transaction.call(this, (tx) => {
    const query = tx.query;
    tx.query = (...args: unknown[]) => {
      const options = args[2] as { blob?: Blob } | undefined;
      if (options?.blob && recording) {
        // The new form on PGlite: the document is the blob.
        return options.blob.text().then((payload) => {
          note(args[0], [payload]);
          return query(...args);
        });
      }
      note(args[0], args[1]);
      return query(...args);
    };
    return cb(tx);
  });
};
const clientQuery = pg.Client.prototype.query as unknown as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  const config = args[0] as { text?: string; values?: unknown[] } | string;
  if (typeof config === 'string') note(config, args[1]);
  else if (config) note(config.text, config.values ?? args[1]);
  return clientQuery.apply(this, args);
};

class Rollback extends Error {}
const url = process.env.DATABASE_URL;
const database = await openDatabase(url ? { databaseUrl: url } : { memory: true });
await database.migrate();
const rolledBack = (work: (tx: Tx) => Promise<void>) =>
  database.db
    .transaction(async (tx) => {
      await work(tx);
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });

const at = new Date();
const ws = await createWorkspace(database.db, { name: `bench ${at.toISOString()}`, at });
const size = Number(process.env.SIZE ?? 1000);
const batches = Number(process.env.BATCHES ?? 3);
const N = size * batches;
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
let n = 0;
for (let round = 0; round < batches; round++) {
  const events = Array.from({ length: size }, () => {
    const i = n++;
    const referredId = `par_p${String(101 + i).padStart(8, '0')}`;
    return {
      actor,
      input: { externalId: `e-${i}`, type: 'invoice_paid' as const, referredId, amount: 10000, currency: 'USD' },
    };
  });
  const started = performance.now();
  if (round < batches - 1) await runConversionBatch(deps, events);
  else {
    recording = [];
    await rolledBack(async (tx) => {
      await runConversionBatch({ ...deps, db: tx as never }, events);
    });
  }
  console.log(`batch ${round}: ${((size / (performance.now() - started)) * 1000).toFixed(0)}/s`);
}
const recorded = recording ?? [];
recording = undefined;

// The recorded statements as insertRows calls: the table, rows with the schema's keys, options.
const tables = Object.values(schema).filter((value) => is(value, PgTable)) as unknown as PgTable[];
const calls = recorded.map(({ text, payload }) => {
  const name = /insert into "(\w+)"/.exec(text)?.[1];
  const table = tables.find((candidate) => getTableName(candidate) === name);
  if (!table) throw new Error(`no table ${name}`);
  const keyOf = new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, key]));
  const rows = (JSON.parse(payload) as Record<string, unknown>[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => [keyOf.get(column) ?? column, value])),
  );
  console.log(`${name}: ${rows.length} rows, ${(payload.length / 1e6).toFixed(2)} MB of JSON`);
  return { name: name as string, table, rows, onConflictDoNothing: text.includes('on conflict do nothing') };
});

if (process.env.EXPLAIN) {
  await rolledBack(async (tx) => {
    for (const { text, payload } of recorded) {
      const [before, after] = text.replace(/returning 1 as one/, '').split(/\$1|pg_read_file\('\/dev\/blob'\)/);
      const plan = rowsOf<Record<string, string>>(
        await tx.execute(sql`${sql.raw(`explain (analyze, buffers) ${before}`)}${payload}${sql.raw(after ?? '')}`),
      );
      console.log(plan.map((row) => Object.values(row)[0]).join('\n'));
    }
  });
}

/** Every table's rows, hashed: what the inserts (and their triggers) left. */
async function fingerprint(tx: Tx) {
  const out: string[] = [];
  for (const table of tables) {
    const name = getTableName(table);
    const [row] = rowsOf<{ h: string | null }>(
      await tx.execute(
        sql`select md5(string_agg(to_jsonb(t)::text, E'\n' order by to_jsonb(t)::text)) as h from ${sql.identifier(name)} t`,
      ),
    );
    out.push(`${name}=${row?.h ?? ''}`);
  }
  return out.join(' ');
}

type Insert = typeof insertRows;
const allForms: Record<string, Insert> = { before: insertRowsBefore, after: insertRows };
const forms = Object.fromEntries(
  (process.env.FORMS ?? 'before,after').split(',').map((form) => [form, allForms[form] as Insert]),
);
const rounds = Number(process.env.ROUNDS ?? 7);
const cpuTime = !url && process.env.WALL === undefined;
console.log(cpuTime ? 'CPU time of this process (PGlite runs in it)' : 'wall time');
const times = new Map<string, number[]>();
// Both forms in savepoints of one transaction, whose now() (which triggers stamp) is the same.
const prints = new Map<string, string>();
await rolledBack(async (outer) => {
  for (const [form, insert] of Object.entries(forms)) {
    await outer
      .transaction(async (tx) => {
        const setting = async () =>
          rowsOf<{ w: string }>(await tx.execute(sql`select current_setting('work_mem') as w`))[0]?.w;
        const workMem = await setting();
        for (const call of calls) {
          await insert(tx, call.table, call.rows as never, { onConflictDoNothing: call.onConflictDoNothing });
          if ((await setting()) !== workMem) throw new Error(`${form} left work_mem at ${await setting()}`);
        }
        prints.set(form, await fingerprint(tx));
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  }
});
for (let round = 0; round < rounds; round++) {
  for (const [form, insert] of Object.entries(forms)) {
    await rolledBack(async (tx) => {
      let total = 0;
      for (const call of calls) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const count = await insert(tx, call.table, call.rows as never, {
          onConflictDoNothing: call.onConflictDoNothing,
        });
        const used = process.cpuUsage(cpu);
        const ms = cpuTime ? (used.user + used.system) / 1000 : performance.now() - started;
        total += ms;
        if (count !== call.rows.length) throw new Error(`${form} ${call.name}: ${count} of ${call.rows.length}`);
        times.set(`${call.name} ${form}`, [...(times.get(`${call.name} ${form}`) ?? []), ms]);
      }
      times.set(`ALL ${form}`, [...(times.get(`ALL ${form}`) ?? []), total]);
    });
  }
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
const seen = new Set<string>();
for (const key of [...times.keys()]) {
  const statement = key.split(' ')[0] as string;
  if (seen.has(statement)) continue;
  seen.add(statement);
  for (const form of Object.keys(forms)) {
    const list = times.get(`${statement} ${form}`) ?? [];
    console.log(
      `${median(list).toFixed(1).padStart(8)} ms (min ${Math.min(...list)
        .toFixed(1)
        .padStart(7)})  ${statement} ${form}`,
    );
  }
}
const fingerprints = new Set(prints.values());
if (prints.size < 2) console.log('(one form: nothing to compare)');
else if (fingerprints.size !== 1) {
  console.log(`DIFFERENT\n${[...prints].map(([form, print]) => `${form}: ${print}`).join('\n')}`);
  process.exitCode = 1;
} else console.log(`EQUAL: every table holds the same rows after ${[...prints.keys()].join(' and ')}`);
await database.close();
