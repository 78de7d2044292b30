/**
 * CSV imports, decided: which columns a file may have, how a cell becomes a field, money written
 * as people write it, and which rows are valid given the facts the service loaded from the store.
 * Pure: no database, clock or environment. Each row is checked with the same zod schema as the
 * JSON API (participants, referrals, conversions); this file only adds what CSV needs on top.
 */
import type { z } from 'zod';
import { ConversionInputSchema } from '../conversions/conversion-input.schema.js';
import { normalizeEmail, normalizePhone } from '../participants/identity.core.js';
import { ParticipantCreateSchema } from '../participants/participant.schema.js';
import { ReferralCreateSchema } from '../referrals/referral.schema.js';
import { isCurrency, minorUnits } from '../shared/currency.js';

export const IMPORT_KINDS = ['participants', 'referrals', 'conversions'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface RowError {
  /** The file's line number (the header is line 1), where the row starts. */
  line: number;
  /** The column at fault (an API field name), or `row` for the row as a whole. */
  field: string;
  message: string;
}

export type ParticipantInput = z.infer<typeof ParticipantCreateSchema>;
export type ReferralInput = z.infer<typeof ReferralCreateSchema>;
export type ConversionInput = z.infer<typeof ConversionInputSchema>;

// ---------------------------------------------------------------------------------------------
// Money

export type MoneyResult = { ok: true; minor: number } | { ok: false; message: string };

/**
 * `1500.00` USD → 150000; `1500` JPY → 1500; `1,500.5` USD → 150050; `2.125` KWD → 2125.
 * Exact (digit strings, never floats). More decimals than the currency has is refused, even
 * zeros (`1500.000` USD): a file that writes three decimals for dollars was probably exported
 * in another unit, and guessing would pay the wrong amount.
 */
export function parseMajorUnits(input: string, currency: string): MoneyResult {
  const digits = minorUnits(currency);
  const text = input.trim();
  const match = /^(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    return {
      ok: false,
      message: `Must be an amount in ${currency}, written like ${digits === 0 ? '1500' : `1500.${'0'.repeat(digits)}`} (digits, a dot before the decimals).`,
    };
  }
  const [, sign, wholeText = '', fraction = ''] = match;
  if (fraction.length > digits) {
    return {
      ok: false,
      message:
        digits === 0
          ? `${currency} has no decimals; write whole ${currency} (e.g. 1500).`
          : `${currency} has ${digits} decimal${digits === 1 ? '' : 's'}; "${text}" has ${fraction.length}.`,
    };
  }
  const whole = wholeText.replaceAll(',', '').replace(/^0+(?=\d)/, '');
  const minorText = `${whole}${fraction.padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '');
  // Beyond 15 digits a double is no longer exact; the API's maximum is 13 digits anyway.
  if (minorText.length > 15) return { ok: false, message: 'Is far larger than any amount the API accepts.' };
  const minor = Number(minorText);
  return { ok: true, minor: sign === '-' && minor !== 0 ? -minor : minor };
}

// ---------------------------------------------------------------------------------------------
// Columns

type CellKind = 'text' | 'boolean' | 'money' | 'minor';

interface Column {
  /** The header as written in the file: an API field name, `signals.ip` for a nested one. */
  name: string;
  /** Where the value goes in the JSON body the schema checks. */
  path: string[];
  kind: CellKind;
}

interface ZodNode {
  def: { type: string; innerType?: ZodNode; shape?: Record<string, ZodNode> };
  shape?: Record<string, ZodNode>;
}

function unwrap(node: ZodNode): ZodNode {
  let current = node;
  while (['optional', 'nullable', 'default', 'prefault'].includes(current.def.type) && current.def.innerType) {
    current = current.def.innerType;
  }
  return current;
}

/** A schema's fields as columns: nested objects flatten to `parent.child`; records are left out. */
function columnsOf(shape: Record<string, ZodNode>, prefix: string[] = []): Column[] {
  return Object.entries(shape).flatMap(([key, node]) => {
    const inner = unwrap(node);
    const path = [...prefix, key];
    if (inner.def.type === 'object' && inner.shape) return columnsOf(inner.shape, path);
    if (inner.def.type === 'record') return [];
    return [{ name: path.join('.'), path, kind: inner.def.type === 'boolean' ? 'boolean' : 'text' } as Column];
  });
}

const shapeOf = (schema: unknown) => (schema as { shape: Record<string, ZodNode> }).shape;

/** Referrals name each side by id, the CRM's id or email; the import resolves them to ids. */
const PERSON_REFS = {
  referrer: ['referrerId', 'referrerExternalId', 'referrerEmail'],
  referred: ['referredId', 'referredExternalId', 'referredEmail'],
} as const;

const COLUMNS: Record<ImportKind, Column[]> = {
  participants: columnsOf(shapeOf(ParticipantCreateSchema)),
  referrals: [
    ...[...PERSON_REFS.referrer, ...PERSON_REFS.referred].map((name) => ({
      name,
      path: [name],
      kind: 'text' as const,
    })),
    ...columnsOf(shapeOf(ReferralCreateSchema)).filter((c) => c.name !== 'referrerId' && c.name !== 'referredId'),
  ],
  conversions: [
    ...columnsOf(shapeOf(ConversionInputSchema)).map((c) =>
      c.name === 'amount' ? { ...c, kind: 'money' as const } : c,
    ),
    { name: 'amountMinor', path: ['amount'], kind: 'minor' },
  ],
};

/** The columns a kind's file may have, for the docs, the web app and error messages. */
export function importColumns(kind: ImportKind): string[] {
  return COLUMNS[kind].map((column) => column.name);
}

/** Columns a file must have (each row needs them; saying so once beats an error on every line). */
const REQUIRED: Record<ImportKind, string[][]> = {
  participants: [['name']],
  referrals: [[...PERSON_REFS.referrer], [...PERSON_REFS.referred]],
  conversions: [['externalId'], ['type'], ['currency'], ['amount', 'amountMinor']],
};

export interface Header {
  kind: ImportKind;
  /** One per cell position; undefined for an empty trailing header cell. */
  columns: (Column | undefined)[];
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** Reads the header line: every name must be a known field, once; the required ones present. */
export function readHeader(kind: ImportKind, names: string[]): { header: Header } | { problems: FieldProblem[] } {
  const known = new Map(COLUMNS[kind].map((column) => [column.name, column]));
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const columns = names.map((raw, index) => {
    const name = raw.trim();
    if (name === '') {
      if (index === names.length - 1 && index > 0) return undefined; // a trailing comma
      problems.push({ field: `column ${index + 1}`, message: 'The header cell is empty; name the column.' });
      return undefined;
    }
    const column = known.get(name);
    if (!column) {
      problems.push({
        field: name,
        message: `Is not a ${kind} field. Known columns: ${importColumns(kind).join(', ')}.`,
      });
      return undefined;
    }
    if (seen.has(name)) problems.push({ field: name, message: 'Appears twice in the header.' });
    seen.add(name);
    return column;
  });
  for (const anyOf of REQUIRED[kind]) {
    if (!anyOf.some((name) => seen.has(name))) {
      problems.push({
        field: anyOf[0] ?? 'header',
        message:
          anyOf.length === 1
            ? `The header has no \`${anyOf[0]}\` column; every row needs one.`
            : `The header needs one of ${anyOf.map((name) => `\`${name}\``).join(', ')}.`,
      });
    }
  }
  if (seen.has('amount') && seen.has('amountMinor')) {
    problems.push({
      field: 'amountMinor',
      message: 'Give `amount` (e.g. 1500.00) or `amountMinor` (150000), not both.',
    });
  }
  return problems.length > 0 ? { problems } : { header: { kind, columns } };
}

// ---------------------------------------------------------------------------------------------
// Rows

export interface CsvRecord {
  /** The line the record starts on (header = 1). */
  line: number;
  cells: string[];
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function issuesToErrors(line: number, error: z.ZodError): RowError[] {
  return error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'row';
    return {
      line,
      field,
      message: issue.code === 'unrecognized_keys' ? 'Is not a known field.' : issue.message,
    };
  });
}

/**
 * A record's cells as the JSON body the API would take: empty cells are left out (the schema's
 * default applies), booleans read `true/false/yes/no/1/0`, money is parsed in the row's currency.
 * Cells are text, never formulas: `=SUM(A1)` is stored as written.
 */
function bodyOf(header: Header, record: CsvRecord): { body: Record<string, unknown>; errors: RowError[] } {
  const body: Record<string, unknown> = {};
  const errors: RowError[] = [];
  const { line, cells } = record;
  if (cells.length > header.columns.length && cells.slice(header.columns.length).some((cell) => cell.trim() !== '')) {
    errors.push({
      line,
      field: 'row',
      message: `Has ${cells.length} cells; the header has ${header.columns.length} columns.`,
    });
  }
  let money: { column: Column; text: string } | undefined;
  header.columns.forEach((column, index) => {
    const cell = cells[index];
    if (!column || cell === undefined || cell.trim() === '') return;
    switch (column.kind) {
      case 'boolean': {
        const value = cell.trim().toLowerCase();
        if (TRUE.has(value)) setPath(body, column.path, true);
        else if (FALSE.has(value)) setPath(body, column.path, false);
        else errors.push({ line, field: column.name, message: 'Must be true or false (or yes/no, 1/0).' });
        return;
      }
      case 'minor': {
        const value = cell.trim();
        setPath(body, column.path, /^-?\d{1,16}$/.test(value) ? Number(value) : value);
        return;
      }
      case 'money':
        money = { column, text: cell };
        return;
      default:
        setPath(body, column.path, cell);
    }
  });
  if (money) {
    const currency = typeof body.currency === 'string' ? body.currency.trim() : undefined;
    if (currency && isCurrency(currency)) {
      const parsed = parseMajorUnits(money.text, currency);
      if (parsed.ok) setPath(body, money.column.path, parsed.minor);
      else errors.push({ line, field: money.column.name, message: parsed.message });
    } else {
      // The currency's own error says what is wrong; the amount cannot be read without it.
      setPath(body, money.column.path, 0);
    }
  }
  return { body, errors };
}

export type ParsedRow<T> = { line: number; input: T };

export interface ParsedRows<T> {
  rows: ParsedRow<T>[];
  errors: RowError[];
}

function checkAll<T>(
  header: Header,
  records: CsvRecord[],
  check: (body: Record<string, unknown>, line: number) => { input?: T; errors: RowError[] },
): ParsedRows<T> {
  const rows: ParsedRow<T>[] = [];
  const errors: RowError[] = [];
  const minorColumn = header.columns.some((column) => column?.kind === 'minor');
  for (const record of records) {
    const { body, errors: cellErrors } = bodyOf(header, record);
    const checked = check(body, record.line);
    // amountMinor fills the schema's `amount`: its errors are about the column the file has.
    const named = minorColumn
      ? checked.errors.map((e) => (e.field === 'amount' ? { ...e, field: 'amountMinor' } : e))
      : checked.errors;
    // One message per column: the first the schema gives is the one to fix first.
    const all: RowError[] = [];
    for (const error of [...cellErrors, ...named]) if (!all.some((e) => e.field === error.field)) all.push(error);
    if (all.length > 0) errors.push(...all);
    else if (checked.input !== undefined) rows.push({ line: record.line, input: checked.input });
  }
  return { rows, errors };
}

/** Participants: the API's schema, a phone the workspace's country can read, and a way to recognise them again. */
export function parseParticipantRows(
  header: Header,
  records: CsvRecord[],
  defaultCountry: string,
): ParsedRows<ParticipantInput> {
  return checkAll(header, records, (body, line) => {
    const parsed = ParticipantCreateSchema.safeParse(body);
    if (!parsed.success) return { errors: issuesToErrors(line, parsed.error) };
    const input = parsed.data;
    const errors: RowError[] = [];
    if (input.phone) {
      const phone = normalizePhone(input.phone, defaultCountry);
      if (!phone.ok) errors.push({ line, field: 'phone', message: phone.message });
    }
    if (!input.externalId && !input.email) {
      errors.push({
        line,
        field: 'externalId',
        message: 'Give an externalId or an email, so that importing the file again recognises this person.',
      });
    }
    return errors.length > 0 ? { errors } : { input, errors: [] };
  });
}

export interface PersonRef {
  id?: string;
  externalId?: string;
  email?: string;
}

export interface ReferralRowInput {
  referrer: PersonRef;
  referred: PersonRef;
  /** The body without the two ids, which are resolved against the store. */
  rest: Record<string, unknown>;
}

/** Referrals, before the people are looked up: each side named at least once, the other fields read. */
export function parseReferralRows(header: Header, records: CsvRecord[]): ParsedRows<ReferralRowInput> {
  return checkAll(header, records, (body, line) => {
    const errors: RowError[] = [];
    const side = (names: readonly [string, string, string]): PersonRef => {
      const [idField, externalField, emailField] = names;
      const ref: PersonRef = {};
      const text = (field: string) => (typeof body[field] === 'string' ? (body[field] as string).trim() : undefined);
      const id = text(idField);
      const externalId = text(externalField);
      const email = text(emailField);
      if (id) ref.id = id;
      if (externalId) ref.externalId = externalId;
      if (email) ref.email = email;
      for (const field of names) delete body[field];
      if (!id && !externalId && !email) {
        errors.push({ line, field: idField, message: `Name the ${idField.replace(/Id$/, '')}: ${names.join(', ')}.` });
      }
      return ref;
    };
    const referrer = side(PERSON_REFS.referrer);
    const referred = side(PERSON_REFS.referred);
    body.source ??= 'import';
    // The rest of the row is checked now with the API's schema (ids are placeholders until resolved).
    const parsed = ReferralCreateSchema.safeParse({ ...body, referrerId: 'a', referredId: 'b' });
    if (!parsed.success) errors.push(...issuesToErrors(line, parsed.error));
    return errors.length > 0 ? { errors } : { input: { referrer, referred, rest: body }, errors: [] };
  });
}

/** Conversions: the API's schema after money is read in major units (or amountMinor). */
export function parseConversionRows(header: Header, records: CsvRecord[]): ParsedRows<ConversionInput> {
  return checkAll(header, records, (body, line) => {
    const parsed = ConversionInputSchema.safeParse(body);
    return parsed.success ? { input: parsed.data, errors: [] } : { errors: issuesToErrors(line, parsed.error) };
  });
}

// ---------------------------------------------------------------------------------------------
// Deciding against the store

/** What a plan comes to: rows to write, rows already in the store, and the errors. */
export interface ImportPlan<T> {
  write: ParsedRow<T>[];
  existing: number;
  errors: RowError[];
}

export interface KnownParticipant {
  id: string;
  externalId: string | null;
  emailNormalized: string | null;
}

/**
 * Participants: a row whose externalId is known is that person (already imported); a row with no
 * externalId, or a new one, whose email is known is that person too, unless the store's person
 * has another externalId (a conflict: two ids for one email). Duplicates within the file refer
 * to the first line that named the person.
 */
export function planParticipants(
  rows: ParsedRow<ParticipantInput>[],
  known: { byExternalId: Map<string, KnownParticipant>; byEmail: Map<string, KnownParticipant[]> },
): ImportPlan<ParticipantInput> {
  const write: ParsedRow<ParticipantInput>[] = [];
  const errors: RowError[] = [];
  let existing = 0;
  const fileExternal = new Map<string, number>();
  const fileEmail = new Map<string, number>();
  for (const row of rows) {
    const { line, input } = row;
    const email = input.email ? normalizeEmail(input.email) : undefined;
    const before = (input.externalId && fileExternal.get(input.externalId)) || (email && fileEmail.get(email));
    if (before) {
      errors.push({
        line,
        field: input.externalId && fileExternal.has(input.externalId) ? 'externalId' : 'email',
        message: `The same person as line ${before}.`,
      });
      continue;
    }
    if (input.externalId) fileExternal.set(input.externalId, line);
    if (email) fileEmail.set(email, line);
    if (input.externalId && known.byExternalId.has(input.externalId)) {
      existing++;
      continue;
    }
    const sameEmail = email ? (known.byEmail.get(email) ?? []) : [];
    if (sameEmail.length > 0) {
      const other = sameEmail.find((person) => person.externalId && person.externalId !== input.externalId);
      if (input.externalId && other) {
        errors.push({
          line,
          field: 'email',
          message: `Another participant (${other.id}, externalId ${other.externalId}) has this email.`,
        });
        continue;
      }
      existing++;
      continue;
    }
    write.push(row);
  }
  return { write, existing, errors };
}

export interface ReferralFacts {
  ids: Set<string>;
  byExternalId: Map<string, string>;
  /** Normalised email → the ids of the participants with it (emails are not unique). */
  byEmail: Map<string, string[]>;
  /** `referrerId referredId` pairs already recorded. */
  pairs: Set<string>;
}

function resolvePerson(
  ref: PersonRef,
  side: 'referrer' | 'referred',
  facts: ReferralFacts,
): { id: string } | { field: string; message: string } {
  const found: { field: string; id: string }[] = [];
  if (ref.id) {
    if (!facts.ids.has(ref.id)) return { field: `${side}Id`, message: `No participant has the id ${ref.id}.` };
    found.push({ field: `${side}Id`, id: ref.id });
  }
  if (ref.externalId) {
    const id = facts.byExternalId.get(ref.externalId);
    if (!id) return { field: `${side}ExternalId`, message: `No participant has the externalId ${ref.externalId}.` };
    found.push({ field: `${side}ExternalId`, id });
  }
  if (ref.email) {
    const ids = facts.byEmail.get(normalizeEmail(ref.email)) ?? [];
    const field = `${side}Email`;
    if (ids.length === 0) return { field, message: `No participant has the email ${ref.email}.` };
    const agreeing = found[0] ? ids.filter((id) => id === found[0]?.id) : ids;
    if (agreeing.length === 0 && found[0]) {
      return { field, message: `Names someone else than \`${found[0].field}\` does.` };
    }
    if (!found[0] && ids.length > 1) {
      return { field, message: `${ids.length} participants have this email; name the ${side} by id or externalId.` };
    }
    found.push({ field, id: agreeing[0] as string });
  }
  const [first, ...others] = found;
  if (!first) return { field: `${side}Id`, message: `Name the ${side}.` };
  const disagreeing = others.find((other) => other.id !== first.id);
  if (disagreeing) return { field: disagreeing.field, message: `Names someone else than \`${first.field}\` does.` };
  return { id: first.id };
}

/**
 * Referrals: both people must exist (by id, externalId or email, and agree when named twice);
 * then the API's schema (which refuses self-referral); a pair already recorded counts as
 * imported before; a pair twice in the file is an error on the second line.
 */
export function planReferrals(rows: ParsedRow<ReferralRowInput>[], facts: ReferralFacts): ImportPlan<ReferralInput> {
  const write: ParsedRow<ReferralInput>[] = [];
  const errors: RowError[] = [];
  let existing = 0;
  const inFile = new Map<string, number>();
  for (const { line, input } of rows) {
    const referrer = resolvePerson(input.referrer, 'referrer', facts);
    const referred = resolvePerson(input.referred, 'referred', facts);
    const unresolved = [referrer, referred].filter((r): r is { field: string; message: string } => !('id' in r));
    if (unresolved.length > 0 || !('id' in referrer) || !('id' in referred)) {
      errors.push(...unresolved.map((problem) => ({ line, ...problem })));
      continue;
    }
    const parsed = ReferralCreateSchema.safeParse({ ...input.rest, referrerId: referrer.id, referredId: referred.id });
    if (!parsed.success) {
      errors.push(...issuesToErrors(line, parsed.error));
      continue;
    }
    const pair = `${referrer.id} ${referred.id}`;
    const before = inFile.get(pair);
    if (before) {
      errors.push({ line, field: 'referredId', message: `The same referral as line ${before}.` });
      continue;
    }
    inFile.set(pair, line);
    if (facts.pairs.has(pair)) {
      existing++;
      continue;
    }
    write.push({ line, input: parsed.data });
  }
  return { write, existing, errors };
}

export interface KnownConversion {
  type: string;
  amount: number;
  currency: string;
  referredId: string | null;
  referredExternalId: string | null;
  originalExternalId: string | null;
}

/** `source externalId`: what makes an event the same event. */
export function conversionKey(source: string, externalId: string): string {
  return `${source} ${externalId}`;
}

/**
 * Conversions: an event already recorded (same source and externalId) with the same data counts
 * as imported before, with other data it is an error (events are immutable, as the API says);
 * a named participant id must exist and agree with the externalId named beside it; an event
 * twice in the file is an error on the second line.
 */
export function planConversions(
  rows: ParsedRow<ConversionInput>[],
  facts: {
    defaultSource: string;
    participants: Map<string, { externalId: string | null }>;
    recorded: Map<string, KnownConversion>;
  },
): ImportPlan<ConversionInput> {
  const write: ParsedRow<ConversionInput>[] = [];
  const errors: RowError[] = [];
  let existing = 0;
  const inFile = new Map<string, number>();
  for (const row of rows) {
    const { line, input } = row;
    const key = conversionKey(input.source ?? facts.defaultSource, input.externalId);
    const before = inFile.get(key);
    if (before) {
      errors.push({ line, field: 'externalId', message: `The same event (source and externalId) as line ${before}.` });
      continue;
    }
    inFile.set(key, line);
    if (input.referredId) {
      const person = facts.participants.get(input.referredId);
      if (!person) {
        errors.push({ line, field: 'referredId', message: `No participant has the id ${input.referredId}.` });
        continue;
      }
      if (input.referredExternalId && person.externalId !== input.referredExternalId) {
        errors.push({ line, field: 'referredExternalId', message: 'Names another participant than referredId.' });
        continue;
      }
    }
    const recorded = facts.recorded.get(key);
    if (recorded) {
      const differs = (
        [
          ['type', input.type, recorded.type],
          ['amount', input.amount, recorded.amount],
          ['currency', input.currency, recorded.currency],
          ['referredId', input.referredId, recorded.referredId],
          ['referredExternalId', input.referredExternalId, recorded.referredExternalId],
          ['originalExternalId', input.originalExternalId ?? null, recorded.originalExternalId],
        ] as const
      ).find(([, given, stored]) => given !== undefined && given !== stored);
      if (differs) {
        errors.push({
          line,
          field: differs[0],
          message: `This event was already recorded with ${differs[0]} ${String(differs[2])}; events are immutable (send a refund or a new event).`,
        });
        continue;
      }
      existing++;
      continue;
    }
    write.push(row);
  }
  return { write, existing, errors };
}

/** Rows the store already has (a second step, once the rows' ids are known) count as imported before. */
export function withoutRecorded<T>(plan: ImportPlan<T>, recorded: (input: T) => boolean): ImportPlan<T> {
  const write = plan.write.filter((row) => !recorded(row.input));
  return { ...plan, write, existing: plan.existing + plan.write.length - write.length };
}

/** Errors in file order (line, then the column's order as found). */
export function sortErrors(errors: RowError[]): RowError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => a.error.line - b.error.line || a.index - b.index)
    .map(({ error }) => error);
}
