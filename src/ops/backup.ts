/**
 * Backup and restore of the embedded store (PGlite). PostgreSQL has pg_dump and pg_restore;
 * Rewardloop does not pretend to do better.
 *
 * PGlite belongs to one process, so while a server runs, a backup goes through it: on start the
 * server writes `rewardloop.serve.json` (mode 0600) into its data folder with its address and a
 * random token made for this run; `rewardloop backup` reads it and asks the server, from the same
 * host, for a copy. Whoever can read that file can read the database's own files anyway, so the
 * token grants nothing new; it is never valid from another host and dies with the process.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { SingleBar } from 'cli-progress';
import { openDatabase, PGLITE_EXTENSIONS } from '../db/client.js';
import { AppError } from '../shared/errors.js';

const SERVE_FILE = 'rewardloop.serve.json';
// Files of ours inside the data folder that describe a process, not the data: a restored store
// must not inherit them (the lock would name a process that is not the restored server).
const PROCESS_FILES = [SERVE_FILE, 'rewardloop.lock'];

export const POSTGRES_BACKUP_ADVICE =
  'DATABASE_URL points at PostgreSQL: use its own tools, e.g.\n' +
  '  pg_dump --format=custom --file=rewardloop.dump "$DATABASE_URL"\n' +
  '  pg_restore --no-owner --dbname="$NEW_DATABASE_URL" rewardloop.dump\n' +
  '(see "Operating it" in the README).';

interface ServeFile {
  pid: number;
  url: string;
  token: string;
}

/** A token for this server run's backups (see the top of this file). */
export function newBackupToken(): string {
  return `rlb_${randomBytes(32).toString('base64url')}`;
}

/** Written by the server once it listens, so `rewardloop backup` finds it; removed when it stops. */
export function announceServer(dataDir: string, url: string, token: string): { remove(): void } {
  const path = join(dataDir, SERVE_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ pid: process.pid, url, token } satisfies ServeFile), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return { remove: () => rmSync(path, { force: true }) };
}

function runningServer(dataDir: string): ServeFile | undefined {
  try {
    const serve = JSON.parse(readFileSync(join(dataDir, SERVE_FILE), 'utf8')) as ServeFile;
    process.kill(serve.pid, 0);
    return serve;
  } catch {
    return undefined; // no file, or its process is gone: nobody serves this folder.
  }
}

/** The address of the server running on this data folder, if one is. */
export function runningServerUrl(dataDir: string): string | undefined {
  return runningServer(dataDir)?.url;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function progressBar(label: string) {
  return new SingleBar({
    format: `  ${label} [{bar}] {percentage}%  {value}/{total} bytes`,
    hideCursor: true,
    stream: process.stderr,
    // Not a terminal (a cron job, a log): a line every few seconds instead of a redrawn bar.
    noTTYOutput: true,
    notTTYSchedule: 3000,
  });
}

export async function backupEmbeddedStore(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  out: string;
}): Promise<{ bytes: number; via: 'server' | 'folder' }> {
  if (options.databaseUrl) throw new AppError('unprocessable', POSTGRES_BACKUP_ADVICE);
  const out = resolve(options.out);
  if (existsSync(out)) throw new AppError('already_exists', `${out} exists already; choose another --out file.`);
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  const server = runningServer(options.dataDir);
  try {
    let bytes: number;
    if (server) {
      console.log(`A server (pid ${server.pid}) holds ${options.dataDir}: asking it for a consistent copy…`);
      bytes = await downloadBackup(server, partial);
    } else {
      if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
        throw new AppError('not_found', `No embedded database in ${options.dataDir} (REWARDLOOP_DATA_DIR).`);
      }
      console.log(`No server runs on ${options.dataDir}: copying the folder…`);
      const database = await openDatabase({ dataDir: options.dataDir, purpose: 'rewardloop backup' });
      try {
        const archive = Buffer.from(await (await (database.dumpDataDir as () => Promise<Blob>)()).arrayBuffer());
        writeFileSync(partial, archive);
        bytes = archive.length;
      } finally {
        await database.close();
      }
    }
    renameSync(partial, out);
    return { bytes, via: server ? 'server' : 'folder' };
  } finally {
    rmSync(partial, { force: true });
  }
}

async function downloadBackup(server: ServeFile, file: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(`${server.url}/ops/backup`, { headers: { authorization: `Bearer ${server.token}` } });
  } catch (error) {
    throw new AppError('unavailable', `Could not reach the server at ${server.url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    const detail = await response.text().catch(() => '');
    throw new AppError('unavailable', `The server refused the backup (${response.status}): ${detail.slice(0, 300)}`);
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const bar = progressBar('downloading');
  bar.start(total || 1, 0);
  const handle = await open(file, 'w', 0o600);
  let received = 0;
  try {
    for await (const chunk of response.body) {
      await handle.write(chunk);
      received += chunk.length;
      bar.update(received);
    }
  } finally {
    bar.stop();
    await handle.close();
  }
  if (total && received !== total)
    throw new AppError('unavailable', `The copy was cut short (${received} of ${total} bytes).`);
  return received;
}

export async function restoreEmbeddedStore(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  file: string;
}): Promise<{ workspaces: number; rewards: number }> {
  if (options.databaseUrl) throw new AppError('unprocessable', POSTGRES_BACKUP_ADVICE);
  const file = resolve(options.file);
  if (!existsSync(file)) throw new AppError('not_found', `No backup file at ${file}.`);
  const dataDir = resolve(options.dataDir);
  const existed = existsSync(dataDir);
  if (existed && readdirSync(dataDir).length > 0) {
    throw new AppError(
      'already_exists',
      `${dataDir} is not empty: restore only into an empty or new folder (set REWARDLOOP_DATA_DIR or --data-dir), ` +
        'then point the server at it. Nothing was changed.',
    );
  }
  console.log(`Reading ${file} (${mb(statSync(file).size)})…`);
  const archive = new Blob([readFileSync(file)]);
  console.log(`Unpacking into ${dataDir}…`);
  mkdirSync(dataDir, { recursive: true });
  let client: PGlite | undefined;
  try {
    client = new PGlite({ dataDir, loadDataDir: archive, extensions: PGLITE_EXTENSIONS });
    await client.waitReady;
    console.log('Checking the restored database…');
    const counts = await client.query<{ workspaces: number; rewards: number }>(
      'select (select count(*)::int from workspaces) as workspaces, (select count(*)::int from rewards) as rewards',
    );
    await client.close();
    client = undefined;
    for (const name of PROCESS_FILES) rmSync(join(dataDir, name), { force: true });
    return counts.rows[0] ?? { workspaces: 0, rewards: 0 };
  } catch (error) {
    await client?.close().catch(() => {});
    // Leave nothing half-restored behind: the folder was empty (or absent) before.
    if (existed) for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name), { recursive: true, force: true });
    else rmSync(dataDir, { recursive: true, force: true });
    throw new AppError('unprocessable', `${file} could not be restored: ${(error as Error).message}`, { cause: error });
  }
}
