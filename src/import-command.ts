/**
 * `rewardloop import KIND FILE`: a CSV import with a progress bar on stderr. It runs in this
 * process against the store (PostgreSQL, shared with any number of servers, or the embedded one
 * when no server holds it), with the same checks and the same answer as POST /v1/imports/KIND.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Config } from './config.js';
import { linkAwaitingConversions } from './conversions/index.js';
import { workspaces } from './db/schema.js';
import { IMPORT_KINDS, type ImportKind, type ImportPhase, type ImportResult, importCsv } from './imports/index.js';
import { openConfiguredDatabase } from './runtime.js';
import type { Actor } from './shared/actor.js';
import { systemClock } from './shared/clock.js';
import { AppError, isAppError } from './shared/errors.js';

export interface ImportCommandOptions {
  dryRun?: boolean | undefined;
  skipInvalid?: boolean | undefined;
  workspace?: string | undefined;
}

const PHASE_WORDS: Record<ImportPhase, string> = { reading: 'reading ', checking: 'checking', writing: 'writing ' };
/** Errors printed one per line; the rest are counted (the answer of the API has them all). */
const SHOWN_ERRORS = 50;

function progress() {
  const bar = new SingleBar({
    format: '  {phase} [{bar}] {percentage}%  {value}/{total} rows',
    hideCursor: true,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 3000,
  });
  let started = false;
  return {
    update(phase: ImportPhase, done: number, total: number) {
      if (!started) {
        bar.start(Math.max(total, 1), done, { phase: PHASE_WORDS[phase] });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { phase: PHASE_WORDS[phase] });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function describeResult(kind: ImportKind, result: ImportResult): string {
  const lines = result.errors
    .slice(0, SHOWN_ERRORS)
    .map((error) => `  line ${error.line}, ${error.field}: ${error.message}`);
  if (result.errors.length > SHOWN_ERRORS) lines.push(`  … and ${result.errors.length - SHOWN_ERRORS} more`);
  const checked = `${result.rows} ${kind} rows: ${result.valid} valid, ${result.invalid} invalid`;
  const outcome = result.dryRun
    ? 'Dry run: nothing was written.'
    : result.imported === 0 && result.invalid > 0 && result.valid > 0 && result.existing < result.valid
      ? 'Nothing was imported: fix the rows above, or pass --skip-invalid to import the valid ones.'
      : `Imported ${result.imported}${result.existing ? ` (${result.existing} were already there)` : ''}.`;
  return [...lines, `${checked}. ${outcome}`].join('\n');
}

/** Answers the summary to print, and whether every row was valid (the exit code). */
export async function runImport(
  config: Config,
  kind: string,
  file: string,
  options: ImportCommandOptions,
): Promise<{ text: string; ok: boolean }> {
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
    throw new AppError('validation_failed', `KIND must be one of ${IMPORT_KINDS.join(', ')}.`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new AppError('validation_failed', `No file ${file}.`);
  const importKind = kind as ImportKind;
  let database: Awaited<ReturnType<typeof openConfiguredDatabase>>;
  try {
    database = await openConfiguredDatabase(config, 'rewardloop import');
  } catch (error) {
    if (isAppError(error) && error.code === 'store_in_use') {
      throw new AppError(
        'store_in_use',
        `A server is running on this embedded store: stop it, or post the file to it (curl -H "Authorization: Bearer <key>" -H "Content-Type: text/csv" --data-binary @${file} <server>/v1/imports/${importKind}).`,
      );
    }
    throw error;
  }
  const bar = progress();
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
    const who = process.env.USER || process.env.LOGNAME || 'operator';
    const actor: Actor = {
      type: 'system',
      id: `cli:${who}`,
      name: `CLI import (${who})`,
      role: 'system',
      workspaceId: workspace.id,
    };
    const result = await importCsv(
      { db: database.db, clock: systemClock, publicUrl: config.publicUrl },
      actor,
      importKind,
      createReadStream(file),
      {
        dryRun: options.dryRun,
        skipInvalid: options.skipInvalid,
        onProgress: (phase, done, total) => bar.update(phase, done, total),
        linkAwaitingConversions,
      },
    );
    bar.stop();
    return { text: describeResult(importKind, result), ok: result.invalid === 0 };
  } finally {
    bar.stop();
    await database.close();
  }
}
