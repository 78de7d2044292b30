import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { recordAudit } from '../audit/index.js';
import { recordConversions } from '../conversions/index.js';
import { lockName } from '../db/advisory-lock.js';
import type { Executor } from '../db/client.js';
import { keepStatistics, noteWrites } from '../db/statistics.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { countConversion } from '../ops/index.js';
import { findParticipant, insertParticipants, normalizeEmail, type ParticipantHooks } from '../participants/index.js';
import { insertReferrals } from '../referrals/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { getWorkspaceOrThrow } from '../workspaces/index.js';
import {
  type ConversionInput,
  type CsvRecord,
  type Header,
  type ImportKind,
  type ImportPlan,
  type KnownParticipant,
  type ParsedRows,
  parseConversionRows,
  parseParticipantRows,
  parseReferralRows,
  planConversions,
  planParticipants,
  planReferrals,
  type RowError,
  readHeader,
  sortErrors,
  withoutRecorded,
} from './import.core.js';
import { externalIdsAwaited, participantsNamed, recordedConversions, recordedPairs } from './import.repo.js';
import type { ImportResult } from './import.schema.js';

/** What a conversion without a `source` is recorded under: the API's default, so a CSV row and a JSON post of one event are one event. */
const DEFAULT_CONVERSION_SOURCE = 'api';
/** From this many rows written, the planner's statistics are refreshed after the import. */
/** Events per call of the claim engine: big enough for its set-based reads, small enough to show progress. */
const CONVERSION_CHUNK = 1000;

export type ImportPhase = 'reading' | 'checking' | 'writing';

export interface ImportOptions {
  dryRun?: boolean | undefined;
  skipInvalid?: boolean | undefined;
  onProgress?: ((phase: ImportPhase, done: number, total: number) => void) | undefined;
  /** Linking conversions that waited for a participant's externalId (conversions/ does it; the app passes it in). */
  linkAwaitingConversions: LinkAwaiting;
}

export type LinkAwaiting = ParticipantHooks['linkAwaitingConversions'];

const NEWLINE = /\r\n|\r|\n/g;

/**
 * Reads CSV (a string or a stream of text) with csv-parse, record by record. Each record keeps
 * the line it starts on: every record before it took one line plus the newlines inside its
 * quoted cells, and csv-parse counts the empty lines it skipped. (Its own line counter counts a
 * CRLF inside quotes as two lines, so it is not used.)
 */
export async function readCsv(
  source: string | Readable,
  onRecord?: (count: number) => void,
): Promise<{ names: string[]; records: CsvRecord[] }> {
  const input = typeof source === 'string' ? Readable.from([source]) : source;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }),
  );
  let names: string[] | undefined;
  let headerLine = 1;
  let linesBefore = 0;
  const records: CsvRecord[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { empty_lines: number } }>) {
      const line = linesBefore + info.empty_lines + 1;
      linesBefore += 1 + record.reduce((sum, cell) => sum + (cell.match(NEWLINE)?.length ?? 0), 0);
      if (!names) {
        names = record;
        headerLine = line;
        continue;
      }
      records.push({ line, cells: record });
      if (onRecord && records.length % 1000 === 0) onRecord(records.length);
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new AppError('validation_failed', `The file is not valid CSV: ${error.message}`, {
        field: 'body',
        ...(line ? { details: { line } } : {}),
      });
    }
    throw error;
  }
  if (!names) {
    throw new AppError(
      'validation_failed',
      'The file is empty: its first line must be the header (the API field names).',
      {
        field: 'body',
      },
    );
  }
  if (headerLine !== 1) {
    throw new AppError('validation_failed', 'The first line must be the header (the API field names), not empty.', {
      field: 'body',
    });
  }
  onRecord?.(records.length);
  return { names, records };
}

function headerOrThrow(kind: ImportKind, names: string[]): Header {
  const read = readHeader(kind, names);
  if ('header' in read) return read.header;
  const [first] = read.problems;
  throw new AppError('validation_failed', `The header (line 1), column \`${first?.field}\`: ${first?.message}`, {
    errors: read.problems,
    details: { line: 1 },
  });
}

interface Decided<T> {
  parsed: ParsedRows<unknown>;
  plan: ImportPlan<T>;
}

async function decideParticipants(db: Executor, actor: Actor, header: Header, records: CsvRecord[]) {
  const workspace = await getWorkspaceOrThrow(db, actor.workspaceId);
  const parsed = parseParticipantRows(header, records, workspace.defaultCountry);
  const people = await participantsNamed(db, actor.workspaceId, {
    externalIds: parsed.rows.flatMap((row) => (row.input.externalId ? [row.input.externalId] : [])),
    emails: parsed.rows.flatMap((row) => (row.input.email ? [normalizeEmail(row.input.email)] : [])),
  });
  const byExternalId = new Map<string, KnownParticipant>();
  const byEmail = new Map<string, KnownParticipant[]>();
  for (const person of people) {
    if (person.externalId) byExternalId.set(person.externalId, person);
    if (person.emailNormalized)
      byEmail.set(person.emailNormalized, [...(byEmail.get(person.emailNormalized) ?? []), person]);
  }
  return { workspace, parsed, plan: planParticipants(parsed.rows, { byExternalId, byEmail }) };
}

async function decideReferrals(db: Executor, actor: Actor, header: Header, records: CsvRecord[]) {
  const parsed = parseReferralRows(header, records);
  const refs = parsed.rows.flatMap((row) => [row.input.referrer, row.input.referred]);
  const people = await participantsNamed(db, actor.workspaceId, {
    ids: refs.flatMap((ref) => (ref.id ? [ref.id] : [])),
    externalIds: refs.flatMap((ref) => (ref.externalId ? [ref.externalId] : [])),
    emails: refs.flatMap((ref) => (ref.email ? [normalizeEmail(ref.email)] : [])),
  });
  const facts = {
    ids: new Set(people.map((person) => person.id)),
    byExternalId: new Map(
      people.flatMap((person) => (person.externalId ? [[person.externalId, person.id] as const] : [])),
    ),
    byEmail: new Map<string, string[]>(),
    pairs: new Set<string>(),
  };
  for (const person of people) {
    if (person.emailNormalized) {
      facts.byEmail.set(person.emailNormalized, [...(facts.byEmail.get(person.emailNormalized) ?? []), person.id]);
    }
  }
  const resolved = planReferrals(parsed.rows, facts);
  const pairs = await recordedPairs(
    db,
    actor.workspaceId,
    resolved.write.map((row) => [row.input.referrerId, row.input.referredId]),
  );
  return { parsed, plan: withoutRecorded(resolved, (input) => pairs.has(`${input.referrerId} ${input.referredId}`)) };
}

async function decideConversions(db: Executor, actor: Actor, header: Header, records: CsvRecord[]) {
  const parsed = parseConversionRows(header, records);
  const people = await participantsNamed(db, actor.workspaceId, {
    ids: parsed.rows.flatMap((row) => (row.input.referredId ? [row.input.referredId] : [])),
  });
  const recorded = await recordedConversions(
    db,
    actor.workspaceId,
    parsed.rows.map((row) => ({
      source: row.input.source ?? DEFAULT_CONVERSION_SOURCE,
      externalId: row.input.externalId,
    })),
  );
  const plan = planConversions(parsed.rows, {
    defaultSource: DEFAULT_CONVERSION_SOURCE,
    participants: new Map(people.map((person) => [person.id, { externalId: person.externalId }])),
    recorded: new Map([...recorded].map(([key, value]) => [key, value])),
  });
  return { parsed, plan };
}

function summary(
  rows: number,
  decided: Decided<unknown>,
  imported: number,
  options: ImportOptions,
  extra: { errors?: RowError[]; existing?: number } = {},
): ImportResult {
  const errors = sortErrors([...decided.parsed.errors, ...decided.plan.errors, ...(extra.errors ?? [])]);
  const invalid = new Set(errors.map((error) => error.line)).size;
  return {
    rows,
    valid: rows - invalid,
    invalid,
    imported,
    existing: decided.plan.existing + (extra.existing ?? 0),
    dryRun: options.dryRun === true,
    errors,
  };
}

/** Without skipInvalid, one bad row imports nothing; a dry run never writes. */
function mayWrite(decided: Decided<unknown>, options: ImportOptions): boolean {
  if (options.dryRun) return false;
  const invalid = decided.parsed.errors.length + decided.plan.errors.length;
  return invalid === 0 || options.skipInvalid === true;
}

async function auditImport(
  tx: Executor,
  actor: Actor,
  at: Date,
  kind: ImportKind,
  result: ImportResult,
  options: ImportOptions,
) {
  await recordAudit(tx, actor, at, {
    action: 'import.completed',
    objectType: 'import',
    objectId: newId('import', at.getTime()),
    after: {
      kind,
      rows: result.rows,
      valid: result.valid,
      invalid: result.invalid,
      imported: result.imported,
      existing: result.existing,
      skipInvalid: options.skipInvalid === true,
    },
  });
}

/**
 * Imports a CSV file of participants, referrals or conversions. Every row is checked first
 * (cells, the API's schema, the people it names, duplicates within the file, what the store
 * already has), then, unless it is a dry run or a row is invalid without skipInvalid, the valid
 * new rows are written: participants and referrals in one transaction, a thousand rows per
 * statement, with one `import.completed` audit event beside the per-row `participant.created` /
 * `referral.created` the single path writes; conversions through the claim engine
 * (recordConversions), a thousand events per transaction, each event recorded once by source
 * and externalId, so importing the same file again records nothing new; a row the engine
 * refuses is an invalid row too (see importConversions).
 */
export async function importCsv(
  deps: Deps,
  actor: Actor,
  kind: ImportKind,
  csv: string | Readable,
  options: ImportOptions,
): Promise<ImportResult> {
  const { names, records } = await readCsv(csv, (n) => options.onProgress?.('reading', n, n));
  const header = headerOrThrow(kind, names);
  const rows = records.length;
  const at = deps.clock.now();
  options.onProgress?.('checking', 0, rows);
  if (kind === 'conversions') return importConversions(deps, actor, header, records, options);
  if (options.dryRun) {
    const checked =
      kind === 'participants'
        ? await decideParticipants(deps.db, actor, header, records)
        : await decideReferrals(deps.db, actor, header, records);
    options.onProgress?.('checking', rows, rows);
    return summary(rows, checked, 0, options);
  }
  // Decided inside the transaction that writes, after the lock: what it decides on cannot change.
  const result = await inTransaction(deps.db, async (tx) => {
    // One import of a kind at a time per workspace: the second one decides on the first one's rows.
    await lockName(tx, `import:${actor.workspaceId}:${kind}`);
    const env = { actor, at, publicUrl: deps.publicUrl };
    let imported = 0;
    let raced = 0;
    let decided: Decided<unknown>;
    if (kind === 'participants') {
      const participants = await decideParticipants(tx, actor, header, records);
      decided = participants;
      options.onProgress?.('checking', rows, rows);
      if (!mayWrite(participants, options)) return summary(rows, participants, 0, options);
      const inputs = participants.plan.write.map((row) => row.input);
      const written = await insertParticipants(tx, participants.workspace, actor, inputs, at, 'import', (done, total) =>
        options.onProgress?.('writing', done, total),
      );
      imported = written.inserted.length;
      raced = written.skipped.length;
      const awaited = await externalIdsAwaited(
        tx,
        actor.workspaceId,
        written.inserted.flatMap((row) => (row.externalId ? [row.externalId] : [])),
      );
      for (const { id, externalId } of written.inserted) {
        if (!externalId || !awaited.has(externalId)) continue;
        const row = await findParticipant(tx, actor.workspaceId, id);
        if (row) await options.linkAwaitingConversions(tx, env, row);
      }
    } else {
      const referrals = await decideReferrals(tx, actor, header, records);
      decided = referrals;
      options.onProgress?.('checking', rows, rows);
      if (!mayWrite(referrals, options)) return summary(rows, referrals, 0, options);
      const written = await insertReferrals(
        tx,
        env,
        referrals.plan.write.map((row) => row.input),
        (done, total) => options.onProgress?.('writing', done, total),
      );
      imported = written.inserted.length;
      raced = written.skipped;
    }
    const result = summary(rows, decided, imported, options, { existing: raced });
    await auditImport(tx, actor, at, kind, result, options);
    return result;
  });
  noteWrites(deps.db, { [kind]: result.imported });
  await keepStatistics(deps.db);
  return result;
}

/** Thrown to roll back a transaction of an import: a dry run, or a row the engine refused without skipInvalid. */
class Undo extends Error {}

interface ChunkOutcome {
  committed: boolean;
  imported: number;
  replayed: number;
  rewards: number;
  refused: RowError[];
  /** The answered events' outcomes, `outcome replay`, for the metrics once committed. */
  outcomes: string[];
}

/**
 * A chunk of conversions through the claim engine in one transaction (its own; the engine's
 * batch a savepoint of it): committed unless it is a dry run or the engine refused a row
 * without skipInvalid, then rolled back whole.
 */
async function recordChunk(
  deps: Deps,
  actor: Actor,
  chunk: ImportPlan<ConversionInput>['write'],
  options: ImportOptions,
): Promise<ChunkOutcome> {
  let outcome: ChunkOutcome = { committed: false, imported: 0, replayed: 0, rewards: 0, refused: [], outcomes: [] };
  try {
    await inTransaction(deps.db, async (tx) => {
      outcome = { committed: false, imported: 0, replayed: 0, rewards: 0, refused: [], outcomes: [] };
      const results = await recordConversions(
        deps,
        actor,
        chunk.map((row) => row.input),
        { within: tx },
      );
      for (const result of results) {
        const row = chunk[result.index];
        if (!row) continue;
        if (result.body) outcome.outcomes.push(`${result.body.outcome} ${result.status === 200}`);
        if (result.error) {
          outcome.refused.push({ line: row.line, field: result.error.field ?? 'row', message: result.error.message });
        } else if (result.status === 201) {
          outcome.imported++;
          outcome.rewards += result.body?.rewards.length ?? 0;
        } else {
          outcome.replayed++; // recorded meanwhile by someone else: the same event, nothing new
        }
      }
      if (options.dryRun || (outcome.refused.length > 0 && options.skipInvalid !== true)) throw new Undo();
    });
    outcome.committed = true;
  } catch (error) {
    if (!(error instanceof Undo)) throw error;
  }
  return outcome;
}

/**
 * Conversions: checked first (as the other kinds), then recorded through the claim engine a
 * thousand events per transaction. A row the engine refuses (what the check cannot see: the
 * service's clock, an event recorded meanwhile with other data, a participant gone since) is an
 * error like the check's: without skipInvalid its transaction rolls back and the import stops,
 * so a file of up to a thousand conversions imports nothing; with it, only that row is left out.
 * A longer file keeps the thousands written before the refused one (the answer counts them):
 * one transaction for the whole file would hold the engine's locks (two per event) to its end,
 * more than PostgreSQL's lock table holds (max_locks_per_transaction × max_connections, 6,400
 * by default; PGlite ran out after 9,000 events). A dry run runs the engine too, every
 * transaction rolled back, to report its refusals. Metrics and statistics count what committed.
 */
async function importConversions(
  deps: Deps,
  actor: Actor,
  header: Header,
  records: CsvRecord[],
  options: ImportOptions,
): Promise<ImportResult> {
  const rows = records.length;
  const decided = await decideConversions(deps.db, actor, header, records);
  options.onProgress?.('checking', rows, rows);
  if (!options.dryRun && !mayWrite(decided, options)) return summary(rows, decided, 0, options);
  const write = decided.plan.write;
  let imported = 0;
  let replayed = 0;
  let stopped = false;
  const refused: RowError[] = [];
  for (let start = 0; start < write.length && !stopped; start += CONVERSION_CHUNK) {
    const chunk = write.slice(start, start + CONVERSION_CHUNK);
    const outcome = await recordChunk(deps, actor, chunk, options);
    refused.push(...outcome.refused);
    replayed += outcome.replayed;
    if (outcome.committed) {
      imported += outcome.imported;
      for (const key of outcome.outcomes) {
        const [name, replay] = key.split(' ') as [string, string];
        countConversion(name, replay === 'true');
      }
      noteWrites(deps.db, { conversions: outcome.imported, rewards: outcome.rewards, reward_flags: outcome.rewards });
      await keepStatistics(deps.db);
    } else if (!options.dryRun) {
      stopped = true;
    }
    options.onProgress?.('writing', Math.min(start + chunk.length, write.length), write.length);
  }
  const result = summary(rows, decided, imported, options, { errors: refused, existing: replayed });
  if (!options.dryRun && !(stopped && imported === 0)) {
    await auditImport(deps.db, actor, deps.clock.now(), 'conversions', result, options);
  }
  return result;
}
