/**
 * `rewardloop export KIND`: a CSV export to a file (or stdout) with a progress bar on stderr.
 * With an API key (`--key` or REWARDLOOP_API_KEY) it asks a server over HTTP: the one running
 * on this data folder, else `--url` or PUBLIC_URL. Without one it reads the store itself:
 * PostgreSQL (shared with any number of servers), or the embedded store when no server holds it.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import type { Config } from './config.js';
import { workspaces } from './db/schema.js';
import {
  countExport,
  EXPORT_KINDS,
  type ExportKind,
  ExportQuerySchema,
  exportCsv,
  exportFilters,
} from './exports/index.js';
import { runningServerUrl } from './ops/index.js';
import { openConfiguredDatabase } from './runtime.js';
import { AppError, isAppError } from './shared/errors.js';

export interface ExportCommandOptions {
  out?: string | undefined;
  workspace?: string | undefined;
  key?: string | undefined;
  url?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Counts CSV records as they pass (a newline outside quotes ends one; `""` toggles twice). */
function recordCounter(onRecords: (n: number) => void) {
  let quoted = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let records = 0;
      for (const byte of chunk) {
        if (byte === 0x22) quoted = !quoted;
        else if (byte === 0x0a && !quoted) records++;
      }
      if (records) onRecords(records);
      callback(null, chunk);
    },
  });
}

function progressBar(kind: string, total: number) {
  const bar = new SingleBar({
    format: `  ${kind} [{bar}] {percentage}%  {value}/{total} rows`,
    hideCursor: true,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 3000,
  });
  bar.start(total, 0);
  return bar;
}

async function write(kind: ExportKind, csv: Readable, total: number, out: string | undefined) {
  const bar = progressBar(kind, total);
  let rows = -1; // the header is a record too
  const counter = recordCounter((n) => {
    rows += n;
    bar.update(Math.max(0, Math.min(rows, total)));
  });
  const target: Writable = out ? createWriteStream(out) : process.stdout;
  try {
    await pipeline(csv, counter, target);
  } finally {
    bar.update(Math.max(0, rows));
    bar.stop();
  }
  return Math.max(0, rows);
}

export async function runExport(config: Config, kind: string, options: ExportCommandOptions): Promise<string> {
  if (!(EXPORT_KINDS as readonly string[]).includes(kind)) {
    throw new AppError('validation_failed', `KIND must be one of ${EXPORT_KINDS.join(', ')}.`);
  }
  const exportKind = kind as ExportKind;
  const parsed = ExportQuerySchema.safeParse({
    ...(options.status ? { status: options.status } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.to ? { to: options.to } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('validation_failed', `--${String(issue?.path[0] ?? 'status')}: ${issue?.message}`);
  }
  const query = parsed.data;
  const key = options.key ?? process.env.REWARDLOOP_API_KEY;
  if (key) {
    const base = options.url ?? runningServerUrl(config.dataDir) ?? config.publicUrl;
    const params = new URLSearchParams(
      Object.entries({ status: options.status, from: options.from, to: options.to }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const response = await fetch(`${base}/v1/exports/${exportKind}.csv${params.size ? `?${params}` : ''}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (!response.ok || !response.body) {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
      throw new AppError(
        'unavailable',
        `${base} answered ${response.status}: ${problem.detail ?? problem.title ?? ''}`,
      );
    }
    const total = Number(response.headers.get('x-export-rows') ?? 0);
    const rows = await write(exportKind, Readable.fromWeb(response.body as never), total, options.out);
    return `Exported ${rows} ${exportKind} rows from ${base}${options.out ? ` to ${options.out}` : ''}.`;
  }
  let database: Awaited<ReturnType<typeof openConfiguredDatabase>>;
  try {
    database = await openConfiguredDatabase(config, 'rewardloop export');
  } catch (error) {
    if (isAppError(error) && error.code === 'store_in_use') {
      throw new AppError(
        'store_in_use',
        'A server is running on this embedded store: pass --key <an owner or finance API key> (or set REWARDLOOP_API_KEY) to export through it.',
      );
    }
    throw error;
  }
  try {
    const all = await database.db.select({ id: workspaces.id, name: workspaces.name }).from(workspaces);
    const chosen = options.workspace ? all.filter((w) => w.name === options.workspace) : all;
    if (chosen.length !== 1) {
      throw new AppError(
        'validation_failed',
        options.workspace
          ? `No workspace is named "${options.workspace}".`
          : `Name the workspace with --workspace (${all.map((w) => `"${w.name}"`).join(', ') || 'there are none'}).`,
      );
    }
    const [workspace] = chosen as [{ id: string; name: string }];
    const filters = exportFilters(query);
    const total = await countExport(database.db, exportKind, workspace.id, filters);
    const rows = await write(exportKind, exportCsv(database.db, exportKind, workspace.id, filters), total, options.out);
    return `Exported ${rows} ${exportKind} rows of "${workspace.name}"${options.out ? ` to ${options.out}` : ''}.`;
  } finally {
    await database.close();
  }
}
