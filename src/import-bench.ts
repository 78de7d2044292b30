/**
 * The import part of `npm run bench`: 100,000 participants, 100,000 referrals and 100,000
 * conversions (BENCH_IMPORT_ROWS) imported from CSV in this process, as `rewardloop import` does,
 * on a fresh workspace. Prints rows/s and total seconds per kind. Conversions go through the claim
 * engine (recordConversions), so each makes a claim and runs every check.
 */
import os from 'node:os';
import { linkAwaitingConversions } from './conversions/index.js';
import { openDatabase } from './db/client.js';
import { type ImportKind, type ImportResult, importCsv } from './imports/index.js';
import type { Actor } from './shared/actor.js';
import { systemClock } from './shared/clock.js';
import { createWorkspace } from './workspaces/index.js';

export interface ImportFigures {
  store: string;
  kind: ImportKind;
  rows: number;
  imported: number;
  seconds: number;
  /** CPU seconds of this process (Node and, on PGlite, the database). */
  cpuSeconds: number;
  perSecond: number;
}

/** Participants p-0 … p-(n-1): the first tenth refer, the rest are their customers. */
function participantsCsv(rows: number): string {
  const lines = ['name,email,externalId,emailMarketingConsent'];
  for (let i = 0; i < rows; i++) lines.push(`Person ${i},p${i}@bench.test,p-${i},${i % 2 === 0}`);
  return `${lines.join('\n')}\n`;
}

/** Every customer referred by one referrer; the rest of the rows are referrers referring each other. */
function referralsCsv(rows: number): string {
  const referrers = Math.max(2, Math.floor(rows / 10));
  const lines = ['referrerExternalId,referredEmail,evidence.note'];
  for (let j = 0; j < rows; j++) {
    const customers = rows - referrers;
    const [from, to] =
      j < customers ? [j % referrers, referrers + j] : [j - customers, (j - customers + 1) % referrers];
    lines.push(`p-${from},p${to}@bench.test,imported`);
  }
  return `${lines.join('\n')}\n`;
}

/** One sale per referred customer, then second sales (refunds of every tenth) until `rows`. */
function conversionsCsv(rows: number, participants: number): string {
  const referrers = Math.max(2, Math.floor(participants / 10));
  const customers = participants - referrers;
  const lines = ['externalId,source,type,referredExternalId,originalExternalId,amount,currency,occurredAt'];
  for (let k = 0; k < rows; k++) {
    const customer = referrers + (k % customers);
    if (k >= customers && k % 10 === 0) {
      lines.push(`refund-${k},billing,refund,p-${customer},inv-${k % customers},10.00,USD,2026-02-01T00:00:00Z`);
    } else {
      lines.push(
        `inv-${k},billing,invoice_paid,p-${customer},,${100 + (k % 900)}.${String(k % 100).padStart(2, '0')},USD,2026-01-15T00:00:00Z`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function benchImports(
  store: string,
  env: { databaseUrl?: string | undefined; dataDir?: string | undefined },
  rows: number,
  log: (line: string) => void = console.log,
  conversionRows = rows,
): Promise<ImportFigures[]> {
  const database = await openDatabase({
    databaseUrl: env.databaseUrl,
    dataDir: env.dataDir,
    purpose: 'rewardloop bench',
  });
  try {
    await database.migrate();
    const at = new Date();
    const workspace = await createWorkspace(database.db, { name: `Import bench ${at.toISOString()}`, at });
    const actor: Actor = { type: 'system', id: 'bench', name: 'Benchmark', role: 'system', workspaceId: workspace.id };
    const deps = { db: database.db, clock: systemClock, publicUrl: 'http://localhost:3000' };
    const figures: ImportFigures[] = [];
    const files: [ImportKind, string][] = [
      ['participants', participantsCsv(rows)],
      ['referrals', referralsCsv(rows)],
      ['conversions', conversionsCsv(conversionRows, rows)],
    ];
    const counts: Record<ImportKind, number> = { participants: rows, referrals: rows, conversions: conversionRows };
    for (const [kind, file] of files) {
      if (counts[kind] === 0) continue;
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      let lastShown = 0;
      const result: ImportResult = await importCsv(deps, actor, kind, file, {
        linkAwaitingConversions,
        onProgress: (phase, done, total) => {
          if (phase === 'writing' && performance.now() - lastShown > 10_000) {
            lastShown = performance.now();
            log(`  ${store} ${kind}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} written`);
          }
        },
      });
      const seconds = (performance.now() - started) / 1000;
      // This process's CPU time: on PGlite the database runs in it too, so this is the work itself,
      // whatever else the machine is doing (wall time on a busy machine is mostly waiting).
      const cpu = process.cpuUsage(cpuBefore);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      if (result.invalid > 0)
        throw new Error(`bench ${kind} file had invalid rows: ${JSON.stringify(result.errors.slice(0, 3))}`);
      const figure = {
        store,
        kind,
        rows: counts[kind],
        imported: result.imported,
        seconds,
        cpuSeconds,
        perSecond: counts[kind] / seconds,
      };
      figures.push(figure);
      log(
        `  ${store.padEnd(10)} ${kind.padEnd(12)} ${counts[kind].toLocaleString('en').padStart(8)} rows  ${seconds.toFixed(1).padStart(6)} s  ${Math.round(figure.perSecond).toLocaleString('en').padStart(7)} rows/s  (this process's CPU: ${cpuSeconds.toFixed(1)} s, ${Math.round(counts[kind] / cpuSeconds).toLocaleString('en')} rows per CPU second; load average ${os.loadavg()[0]?.toFixed(1)})`,
      );
    }
    return figures;
  } finally {
    await database.close();
  }
}
