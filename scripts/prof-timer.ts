/**
 * Per-statement timings on PGlite: `npx tsx --import ./scripts/prof-timer.ts scripts/prof-batch.ts`.
 * Wraps PGlite's query (and a transaction's) and prints, at exit, each statement kind's total time
 * (wall, and this process's CPU time: PGlite's whole cost, as it runs in process),
 * calls and parameter (and blob) bytes, largest first; node-postgres's client too (DATABASE_URL).
 * PROF_DUMP=folder writes each table's last bulk insert (text and parameters) there.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

type Stat = { ms: number; cpu: number; calls: number; bytes: number };
const stats = new Map<string, Stat>();
const keyOf = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  const insert = /^insert into "?(\w+)"?/i.exec(flat);
  if (insert) return `insert ${insert[1]}`;
  const update = /^update "?(\w+)"?/i.exec(flat);
  if (update) return `update ${update[1]}`;
  return flat.slice(0, 70);
};
const bytesOf = (params: unknown) =>
  Array.isArray(params) ? params.reduce((sum: number, p) => sum + (typeof p === 'string' ? p.length : 8), 0) : 0;
function timed<F extends (...args: never[]) => Promise<unknown>>(fn: F): F {
  return async function (this: unknown, ...args: Parameters<F>) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      return await fn.apply(this, args);
    } finally {
      const used = process.cpuUsage(cpu);
      const key = keyOf(String(args[0]));
      const stat = stats.get(key) ?? { ms: 0, cpu: 0, calls: 0, bytes: 0 };
      stat.ms += performance.now() - started;
      stat.cpu += (used.user + used.system) / 1000;
      stat.calls += 1;
      stat.bytes += bytesOf(args[1]) + ((args[2] as { blob?: Blob } | undefined)?.blob?.size ?? 0);
      stats.set(key, stat);
      if (process.env.PROF_DUMP && key.startsWith('insert ') && Array.isArray(args[1])) {
        const { writeFileSync } = await import('node:fs');
        const blob = (args[2] as { blob?: Blob } | undefined)?.blob;
        writeFileSync(
          `${process.env.PROF_DUMP}/${key.slice(7)}.json`,
          JSON.stringify({ text: args[0], params: args[1], blob: blob ? await blob.text() : undefined }),
        );
      }
    }
  } as F;
}
const proto = PGlite.prototype as unknown as Record<string, (...args: never[]) => Promise<unknown>>;
proto.query = timed(proto.query as never);
const transaction = proto.transaction as unknown as (
  cb: (tx: { query: never }) => Promise<unknown>,
) => Promise<unknown>;
proto.transaction = function (this: unknown, cb: (tx: { query: never }) => Promise<unknown>) {
  return transaction.call(this, (tx) => {
    tx.query = timed(tx.query as never) as never;
    return cb(tx);
  });
} as never;
// node-postgres: the client's query (the pool's calls it), promise form only.
const clientQuery = pg.Client.prototype.query as unknown as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  const config = args[0] as { text?: string; values?: unknown[] } | string;
  const text = typeof config === 'string' ? config : (config?.text ?? '');
  const values = typeof config === 'string' ? args[1] : (config?.values ?? args[1]);
  const result = clientQuery.apply(this, args);
  if (!(result instanceof Promise)) return result;
  const started = performance.now();
  const done = () => {
    const key = keyOf(text);
    const stat = stats.get(key) ?? { ms: 0, cpu: 0, calls: 0, bytes: 0 };
    stat.ms += performance.now() - started;
    stat.calls += 1;
    stat.bytes += bytesOf(values);
    stats.set(key, stat);
  };
  result.then(done, done);
  return result;
};
process.on('exit', () => {
  const list = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  for (const [key, s] of list) {
    console.log(
      `${s.ms.toFixed(0).padStart(7)} ms (CPU ${s.cpu.toFixed(0).padStart(6)} ms) ${String(s.calls).padStart(5)}x ${(s.bytes / 1e6).toFixed(1).padStart(6)} MB  ${key}`,
    );
  }
});
