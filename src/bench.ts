/**
 * `npm run bench`: conversion events posted through the HTTP API by several concurrent clients
 * (one event a request, then batches of 1,000) against a real server process, on PGlite and (with DATABASE_URL) on PostgreSQL, where pgbench
 * (TPC-B-like, same client count) runs too and the ratio of conversions/s to its TPS is printed.
 * Every conversion is for a different referred customer, so each one creates a reward claim and
 * runs all the checks: the full write path, not a replay.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApiKey } from './access/index.js';
import { benchBackfill } from './backfill-bench.js';
import { openDatabase } from './db/client.js';
import { benchExport } from './export-bench.js';
import { benchImports } from './import-bench.js';
import type { Actor } from './shared/actor.js';
import { newReferralCode } from './shared/ids.js';
import { packageRoot } from './shared/paths.js';
import { createWorkspace } from './workspaces/index.js';

interface BenchOptions {
  clients: number;
  seconds: number;
}

interface RunFigures {
  store: string;
  conversions: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const REFERRERS = 4000;
const CUSTOMERS_PER_REFERRER = 15;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A migrated store with a fresh workspace and an API key of `role` in it, for one benchmark. */
async function benchWorkspace(
  env: { databaseUrl?: string | undefined; dataDir?: string | undefined },
  name: string,
  role: 'owner' | 'staff',
) {
  const database = await openDatabase({
    databaseUrl: env.databaseUrl,
    dataDir: env.dataDir,
    purpose: 'rewardloop bench',
  });
  await database.migrate();
  const at = new Date();
  const workspace = await createWorkspace(database.db, { name: `${name} ${at.toISOString()}`, at });
  const actor: Actor = { type: 'system', id: 'bench', name: 'Benchmark', role: 'system', workspaceId: workspace.id };
  const { key } = await createApiKey(database.db, { workspaceId: workspace.id, role, name: 'bench', actor, at });
  return { database, workspace, key };
}

/** Referrers and referred customers with their referrals, inserted in bulk (set-based SQL). */
async function seed(env: { databaseUrl?: string | undefined; dataDir?: string | undefined }) {
  const { database, workspace, key } = await benchWorkspace(env, 'Bench', 'staff');
  try {
    const total = REFERRERS * (CUSTOMERS_PER_REFERRER + 1);
    const bar = new SingleBar({ format: '  seeding  [{bar}] {value}/{total} participants', hideCursor: true });
    bar.start(total, 0);
    const batch = 2000;
    // Referral codes are generated here (the app's generator), the rest set-based in SQL.
    for (let start = 0; start < total; start += batch) {
      const size = Math.min(batch, total - start);
      const codes = Array.from({ length: size }, () => newReferralCode());
      await database.db.execute(sql`
        insert into participants (workspace_id, id, name, email, email_normalized, kind, referral_code, created_at, updated_at)
        select ${workspace.id}, 'par_bench' || lpad((${start} + i)::text, 8, '0'), 'Person ' || (${start} + i),
               'p' || (${start} + i) || '@bench.test', 'p' || (${start} + i) || '@bench.test', 'customer', code,
               now() - interval '60 days', now() - interval '60 days'
        from jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb) with ordinality as t(code, i)`);
      bar.update(start + size);
    }
    bar.stop();
    // Customer c (0-based, after the referrers) was referred by referrer c % REFERRERS, 30 days ago.
    await database.db.execute(sql`
      insert into referrals (workspace_id, id, referrer_id, referred_id, source, evidence, referred_at, created_by, created_by_name, created_at)
      select ${workspace.id}, 'ref_bench' || lpad(c::text, 8, '0'),
             'par_bench' || lpad((1 + (c % ${REFERRERS}))::text, 8, '0'),
             'par_bench' || lpad((1 + ${REFERRERS} + c)::text, 8, '0'),
             'manual', '{}'::jsonb, now() - interval '30 days', 'bench', 'Benchmark', now() - interval '30 days'
      from generate_series(0, ${REFERRERS * CUSTOMERS_PER_REFERRER - 1}) as c`);
    // What autovacuum would have done by now on a live PostgreSQL (PGlite analyzes when opened).
    await database.db.execute(sql`analyze`);
    return { key, customers: REFERRERS * CUSTOMERS_PER_REFERRER };
  } finally {
    await database.close();
  }
}

async function startServer(env: NodeJS.ProcessEnv) {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server under load.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, join(packageRoot, 'bin', 'rewardloop.js'), 'serve'], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    /** The server process's resident memory now, in MB (Linux /proc). */
    rssMb: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      } catch {
        return 0;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const conversionBody = (n: number) => ({
  externalId: `bench-${n}`,
  source: 'bench',
  type: 'invoice_paid',
  referredId: `par_bench${String(1 + REFERRERS + n).padStart(8, '0')}`,
  amount: 10_000 + (n % 90_000),
  currency: 'USD',
});

interface BatchFigures {
  store: string;
  events: number;
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
}

/**
 * POST /v1/conversions/batch with `size` events a request from `clients` clients, each event for a
 * customer not touched before (from `first` on): the backfill path.
 */
async function loadBatches(
  url: string,
  key: string,
  range: { first: number; last: number },
  options: { clients: number; seconds: number; size: number },
  label: string,
): Promise<Omit<BatchFigures, 'rssMb'>> {
  let next = range.first;
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const bar = new SingleBar({
    format: `  ${label.padEnd(10)} [{bar}] {value}s of {total}s  {rate} events/s (batches of ${options.size})`,
    hideCursor: true,
  });
  bar.start(options.seconds, 0, { rate: 0 });
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    bar.update(Math.min(options.seconds, Math.round(elapsed)), { rate: Math.round(events / Math.max(elapsed, 0.001)) });
  }, 500);
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < deadline && next + options.size <= range.last) {
        const from = next;
        next += options.size;
        const body = JSON.stringify({
          events: Array.from({ length: options.size }, (_, i) => conversionBody(from + i)),
        });
        const t0 = performance.now();
        const response = await fetch(`${url}/v1/conversions/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        });
        const answer = (await response.json()) as { results?: { status: number }[] };
        latencies.push(performance.now() - t0);
        if (response.status !== 200) {
          errors += options.size;
          continue;
        }
        for (const result of answer.results ?? []) {
          if (result.status === 201) events++;
          else errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(ticker);
  bar.update(options.seconds, { rate: Math.round(events / seconds) });
  bar.stop();
  latencies.sort((a, b) => a - b);
  return {
    store: label,
    events,
    requests: latencies.length,
    seconds,
    perSecond: events / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

async function load(
  url: string,
  key: string,
  customers: number,
  options: BenchOptions,
  label: string,
): Promise<RunFigures> {
  let next = 0;
  const latencies: number[] = [];
  let errors = 0;
  const body = (n: number) => JSON.stringify(conversionBody(n));
  const post = async (n: number) => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/conversions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body(n),
    });
    await response.arrayBuffer();
    if (response.status !== 201) errors++;
    return performance.now() - started;
  };
  // Warm up (JIT, caches, connections) on customers the measured run will not touch.
  const warmup = Math.min(200, Math.floor(customers / 10));
  await Promise.all(
    Array.from({ length: options.clients }, async (_, c) => {
      for (let n = c; n < warmup; n += options.clients) await post(n);
    }),
  );
  next = warmup;
  const bar = new SingleBar({
    format: `  ${label.padEnd(10)} [{bar}] {value}s of {total}s  {rate} conversions/s`,
    hideCursor: true,
  });
  bar.start(options.seconds, 0, { rate: 0 });
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    bar.update(Math.min(options.seconds, Math.round(elapsed)), {
      rate: Math.round(latencies.length / Math.max(elapsed, 0.001)),
    });
  }, 500);
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < deadline && next < customers) {
        const n = next++;
        latencies.push(await post(n));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(ticker);
  bar.update(options.seconds, { rate: Math.round(latencies.length / seconds) });
  bar.stop();
  latencies.sort((a, b) => a - b);
  return {
    store: label,
    conversions: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

interface StoreFigures {
  single: RunFigures;
  batch: BatchFigures;
}

/** Both loads against one server: single events (16 clients), then batches of 1,000 (4 clients). */
async function loadBoth(
  server: Awaited<ReturnType<typeof startServer>>,
  key: string,
  customers: number,
  options: BenchOptions,
  label: string,
): Promise<StoreFigures> {
  const single = await load(server.url, key, customers, options, label);
  // The batches take customers the single run never reached.
  const first = Math.min(customers, 200 + single.conversions + 1000);
  const batch = await loadBatches(
    server.url,
    key,
    { first, last: customers },
    { clients: BATCH_CLIENTS, seconds: options.seconds, size: BATCH_SIZE },
    label,
  );
  return { single, batch: { ...batch, rssMb: server.rssMb() } };
}

const BATCH_CLIENTS = 4;
const BATCH_SIZE = 1000;

async function benchPglite(options: BenchOptions): Promise<StoreFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'rewardloop-bench-'));
  try {
    const dataDir = join(dir, 'data');
    const { key, customers } = await seed({ dataDir });
    const server = await startServer({ DATABASE_URL: '', REWARDLOOP_DATA_DIR: dataDir });
    try {
      return await loadBoth(server, key, customers, options, 'PGlite');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withScratchDatabase<T>(adminUrl: string, prefix: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function benchPostgres(adminUrl: string, options: BenchOptions): Promise<StoreFigures> {
  return withScratchDatabase(adminUrl, 'rl_bench', async (url) => {
    const { key, customers } = await seed({ databaseUrl: url });
    const server = await startServer({
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(Math.max(10, options.clients * 2)),
    });
    try {
      return await loadBoth(server, key, customers, options, 'PostgreSQL');
    } finally {
      await server.stop();
    }
  });
}

function pgbenchTps(adminUrl: string, options: BenchOptions): Promise<number> {
  return withScratchDatabase(adminUrl, 'rl_pgbench', async (url) => {
    const parsed = new URL(url);
    const args = [
      '-h',
      parsed.hostname,
      '-p',
      parsed.port || '5432',
      '-U',
      decodeURIComponent(parsed.username || 'postgres'),
    ];
    const dbName = parsed.pathname.slice(1);
    const env = { ...process.env, PGPASSWORD: decodeURIComponent(parsed.password) };
    console.log(`  pgbench   initialising (scale 10), then ${options.clients} clients for ${options.seconds}s...`);
    execFileSync('pgbench', [...args, '-i', '-q', '-s', '10', dbName], { env, stdio: 'ignore' });
    const out = execFileSync(
      'pgbench',
      [...args, '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), dbName],
      {
        env,
        encoding: 'utf8',
      },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!tps?.[1]) throw new Error(`could not read pgbench's TPS:\n${out}`);
    return Number(tps[1]);
  });
}

/**
 * The rewards in the workspace for each run of the screens' queries: BENCH_QUEUE_SCALES (comma-
 * separated) or `--scales`; 10k and 1M by default, so time(1M) / time(10k) shows whether a screen
 * grows with the program.
 */
function queueScales(): number[] {
  const raw = process.env.BENCH_QUEUE_SCALES ?? '10000,1000000';
  return raw
    .split(',')
    .map((part) => Number(part.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * The screens' queries with `scale` rewards in the workspace: each is a page or an aggregate, so
 * the time should not grow with the queue. Seeded set-based with direct multi-row inserts of
 * realistic rows (not through the claim engine: the conversion path is measured above).
 */
async function seedQueue(env: { databaseUrl?: string | undefined; dataDir?: string | undefined }, scale: number) {
  const { database, workspace, key } = await benchWorkspace(env, 'Queue', 'owner');
  try {
    const ws = workspace.id;
    const bar = new SingleBar({ format: '  seeding  [{bar}] {value}/{total} rewards', hideCursor: true });
    bar.start(scale, 0);
    const batch = Math.min(10_000, scale);
    const used = new Set<string>();
    for (let start = 0; start < scale; start += batch) {
      const end = start + batch - 1;
      // Random codes collide at a million (birthday odds over 32^8): draw again on a repeat.
      const codes = Array.from({ length: batch * 2 }, () => {
        let code = newReferralCode();
        while (used.has(code)) code = newReferralCode();
        used.add(code);
        return code;
      });
      // Referrer r_i and customer c_i, a referral between them, a sale, and its claim.
      await database.db.execute(sql`
        insert into participants (workspace_id, id, name, email, email_normalized, kind, referral_code, created_at, updated_at)
        select ${ws}, 'par_q' || lpad(n::text, 9, '0'), 'Person ' || n, 'q' || n || '@bench.test', 'q' || n || '@bench.test',
               'customer', code, now() - (n || ' seconds')::interval, now() - (n || ' seconds')::interval
        from jsonb_array_elements_text(${JSON.stringify(codes)}::jsonb) with ordinality as t(code, i),
             lateral (select ${start * 2} + i::int as n) x`);
      await database.db.execute(sql`
        insert into referrals (workspace_id, id, referrer_id, referred_id, source, evidence, referred_at, created_by, created_by_name, created_at)
        select ${ws}, 'ref_q' || lpad(g::text, 9, '0'), 'par_q' || lpad((2 * g + 1)::text, 9, '0'), 'par_q' || lpad((2 * g + 2)::text, 9, '0'),
               'manual', '{}'::jsonb, now() - interval '40 days', 'bench', 'Benchmark', now() - interval '40 days'
        from generate_series(${start}::int, ${end}::int) g`);
      await database.db.execute(sql`
        insert into conversions (workspace_id, id, source, external_id, type, referred_id, amount, currency, occurred_at, received_at, request_hash, outcome, created_by)
        select ${ws}, 'cnv_q' || lpad(g::text, 9, '0'), 'bench', 'q-' || g, 'invoice_paid', 'par_q' || lpad((2 * g + 2)::text, 9, '0'),
               10000 + g % 90000, 'USD', now() - ((g % 80) || ' days')::interval, now() - ((g % 80) || ' days')::interval, 'x', 'reward_created', 'bench'
        from generate_series(${start}::int, ${end}::int) g`);
      await database.db.execute(sql`
        insert into rewards (workspace_id, id, program_id, policy_version, rules_version, terms_version, referral_id, referrer_id, referred_id,
          conversion_id, ordinal, reward_type, amount, currency, summary, calculation, status, recommendation, fraud_score, checks, attribution,
          created_by, created_by_name, hold_until, approved_at, approval_record, created_at, updated_at)
        select ${ws}, 'rwd_q' || lpad(g::text, 9, '0'), p.id, 1, 1, 'default-1', 'ref_q' || lpad(g::text, 9, '0'),
               'par_q' || lpad((2 * g + 1)::text, 9, '0'), 'par_q' || lpad((2 * g + 2)::text, 9, '0'), 'cnv_q' || lpad(g::text, 9, '0'),
               1, 'gift_card', 2500, 'USD', 'Gift card, 25.00 USD', 'fixed amount: 2500 USD (25.00 USD)',
               case when g % 20 = 0 then 'in_review'::reward_status else 'pending'::reward_status end, 'eligible', 0,
               '[{"check":"self_referral","passed":true,"reason":"ok","evidence":{}},{"check":"duplicate_claim","passed":true,"reason":"ok","evidence":{}}]'::jsonb,
               jsonb_build_object('referralId', 'ref_q' || lpad(g::text, 9, '0'), 'source', 'manual', 'referredAt', now(), 'evidence', '{}'::jsonb, 'clicks', 0),
               'bench', 'Benchmark', now() - interval '30 days',
               case when g % 20 = 0 then null else now() - ((g % 80) || ' days')::interval end,
               case when g % 20 = 0 then null else '{"kind":"manual","approvers":[],"rulesVersion":1}'::jsonb end,
               now() - ((g % 80) || ' days')::interval, now()
        from generate_series(${start}::int, ${end}::int) g, programs p where p.workspace_id = ${ws} and p.is_default`);
      // Most of a mature queue is paid: 80% sent.
      await database.db.execute(sql`
        update rewards set status = 'sent', sent_at = approved_at + interval '3 days', sent_by = 'bench', sent_by_name = 'Benchmark'
        where workspace_id = ${ws} and status = 'pending' and id between ${`rwd_q${String(start).padStart(9, '0')}`} and ${`rwd_q${String(end).padStart(9, '0')}`}
          and right(id, 1) not in ('3', '7')`);
      bar.update(Math.min(scale, start + batch));
    }
    bar.stop();
    await database.db.execute(sql`analyze`);
    return { key };
  } finally {
    await database.close();
  }
}

const QUEUE_CALLS = [
  ['Pending tab, first page', '/v1/rewards?status=pending&limit=20'],
  ['Sent tab, first page', '/v1/rewards?status=sent,thanked&limit=20'],
  ['Tab counts', '/v1/rewards/counts'],
  ['Approvals, first page', '/v1/approvals?limit=20'],
  ['Participants, first page', '/v1/participants?limit=25'],
  ['Participant search', '/v1/participants?q=Person%2012345&limit=25'],
  ['Dashboard (12 weeks)', '/v1/reports/dashboard?weeks=12'],
  ['Eligibility accuracy', '/v1/reports/eligibility-accuracy'],
] as const;

async function benchQueue(
  label: string,
  scale: number,
  serverEnv: NodeJS.ProcessEnv,
  seedEnv: { databaseUrl?: string; dataDir?: string },
) {
  const started = performance.now();
  const { key } = await seedQueue(seedEnv, scale);
  const seeded = (performance.now() - started) / 1000;
  const server = await startServer(serverEnv);
  try {
    console.log(
      `\n${label}, ${scale.toLocaleString('en')} rewards (seeded by direct multi-row inserts in ${seeded.toFixed(0)}s): median of 5 calls`,
    );
    for (const [name, path] of QUEUE_CALLS) {
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const started = performance.now();
        const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        if (i > 0) times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(28)} ${percentile(times, 50).toFixed(1).padStart(8)} ms`);
    }
    console.log(await benchExport(server.url, key));
  } finally {
    await server.stop();
  }
}

/**
 * CSV imports of BENCH_IMPORT_ROWS (100,000) participants, referrals and conversions, in process
 * (as `rewardloop import`), on PGlite and on PostgreSQL when DATABASE_URL is set.
 */
async function runImportBench() {
  const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
  const conversions = Number(process.env.BENCH_IMPORT_CONVERSIONS ?? rows);
  console.log(
    `\nCSV imports in process: ${rows.toLocaleString('en')} participants and referrals (BENCH_IMPORT_ROWS), ${conversions.toLocaleString('en')} conversions (BENCH_IMPORT_CONVERSIONS):`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'rewardloop-bench-'));
  try {
    await benchImports('PGlite', { dataDir: join(dir, 'data') }, rows, console.log, conversions);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    await withScratchDatabase(adminUrl, 'rl_bench_import', (url) =>
      benchImports('PostgreSQL', { databaseUrl: url }, rows, console.log, conversions),
    );
  }
}

export async function runBench(options: BenchOptions & { queue?: boolean; imports?: boolean; backfill?: boolean }) {
  if (options.backfill) {
    const events = Number(process.env.BENCH_BACKFILL_EVENTS ?? 100_000);
    console.log(
      `Backfill: ${events.toLocaleString('en')} billing events in batches of 1,000, then one by one (BENCH_BACKFILL_EVENTS)`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'rewardloop-bench-'));
    try {
      await benchBackfill('PGlite', { dataDir: join(dir, 'data') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const adminUrl = process.env.DATABASE_URL;
    if (adminUrl) {
      await withScratchDatabase(adminUrl, 'rl_bench_backfill', (url) =>
        benchBackfill('PostgreSQL', { databaseUrl: url }),
      );
    }
    return;
  }
  if (options.imports) {
    await runImportBench();
    return;
  }
  if (options.queue) {
    // PGlite is one single-threaded process: seeding a million rows there takes too long on a small
    // machine, so it stops at BENCH_QUEUE_PGLITE_MAX (100k unless set) and says so.
    const pgliteMax = Number(process.env.BENCH_QUEUE_PGLITE_MAX ?? 100_000);
    const pgliteDone = new Set<number>();
    for (const scale of queueScales()) {
      const pgliteScale = Math.min(scale, pgliteMax);
      if (pgliteScale < scale) {
        console.log(
          `\n(PGlite measured at ${pgliteScale.toLocaleString('en')} rather than ${scale.toLocaleString('en')})`,
        );
      }
      if (pgliteScale > 0 && !pgliteDone.has(pgliteScale)) {
        pgliteDone.add(pgliteScale);
        const dir = mkdtempSync(join(tmpdir(), 'rewardloop-bench-'));
        try {
          const dataDir = join(dir, 'data');
          await benchQueue('PGlite', pgliteScale, { DATABASE_URL: '', REWARDLOOP_DATA_DIR: dataDir }, { dataDir });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const adminUrl = process.env.DATABASE_URL;
      if (adminUrl) {
        await withScratchDatabase(adminUrl, 'rl_bench_queue', (url) =>
          benchQueue('PostgreSQL', scale, { DATABASE_URL: url }, { databaseUrl: url }),
        );
      }
    }
    return;
  }
  const clients = Math.max(1, options.clients);
  const seconds = Math.max(2, options.seconds);
  const opts = { clients, seconds };
  console.log(
    `Rewardloop benchmark: POST /v1/conversions, ${clients} concurrent clients, then POST /v1/conversions/batch, ${BATCH_CLIENTS} clients × ${BATCH_SIZE} events; ${seconds}s per run`,
  );
  console.log('Each conversion is for a new referred customer: it creates a claim and runs every check.\n');
  const results: StoreFigures[] = [await benchPglite(opts)];
  let tps: number | undefined;
  let tpsBatchClients: number | undefined;
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    results.push(await benchPostgres(adminUrl, opts));
    try {
      tps = await pgbenchTps(adminUrl, opts);
      tpsBatchClients = await pgbenchTps(adminUrl, { clients: BATCH_CLIENTS, seconds });
    } catch (error) {
      console.log(`  pgbench could not run: ${(error as Error).message}`);
    }
  } else {
    console.log('  (set DATABASE_URL=postgres://... to benchmark PostgreSQL and compare with pgbench)');
  }
  console.log('');
  console.log(`single events, ${clients} clients`);
  console.log('store        conversions   conversions/s   p50 ms   p99 ms   errors');
  for (const { single: r } of results) {
    console.log(
      `${r.store.padEnd(12)} ${String(r.conversions).padStart(11)}   ${r.perSecond.toFixed(1).padStart(13)}   ${r.p50.toFixed(1).padStart(6)}   ${r.p99.toFixed(1).padStart(6)}   ${String(r.errors).padStart(6)}`,
    );
  }
  console.log(`\nbatches of ${BATCH_SIZE}, ${BATCH_CLIENTS} clients`);
  console.log('store        events   requests   events/s   p50 ms/request   p99 ms/request   errors   server RSS MB');
  for (const { batch: r } of results) {
    console.log(
      `${r.store.padEnd(12)} ${String(r.events).padStart(6)}   ${String(r.requests).padStart(8)}   ${r.perSecond.toFixed(0).padStart(8)}   ${r.p50.toFixed(0).padStart(14)}   ${r.p99.toFixed(0).padStart(14)}   ${String(r.errors).padStart(6)}   ${r.rssMb.toFixed(0).padStart(13)}`,
    );
  }
  const postgres = results.find((r) => r.single.store === 'PostgreSQL');
  if (tps !== undefined && postgres) {
    console.log(`\npgbench      TPC-B-like, ${clients} clients: ${tps.toFixed(1)} TPS`);
    const ratio = postgres.single.perSecond / tps;
    console.log(
      `ratio        single conversions/s ÷ pgbench TPS = ${ratio.toFixed(2)} (target ≥ 0.25, goal 0.5: ${ratio >= 0.25 ? 'met' : 'NOT met'}); p99 ${postgres.single.p99.toFixed(0)} ms (target < 50)`,
    );
  }
  if (tpsBatchClients !== undefined && postgres) {
    console.log(`pgbench      TPC-B-like, ${BATCH_CLIENTS} clients: ${tpsBatchClients.toFixed(1)} TPS`);
    const ratio = postgres.batch.perSecond / tpsBatchClients;
    console.log(
      `ratio        batch events/s ÷ pgbench TPS = ${ratio.toFixed(2)} (target ≥ 1, goal 3: ${ratio >= 1 ? 'met' : 'NOT met'})`,
    );
  }
  const pglite = results.find((r) => r.single.store === 'PGlite');
  if (pglite) {
    console.log(
      `PGlite       single ${pglite.single.perSecond.toFixed(0)}/s (target ≥ 300), batch ${pglite.batch.perSecond.toFixed(0)} events/s (target ≥ 2,000)`,
    );
  }
  await runImportBench();
}
