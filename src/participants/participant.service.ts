import { and, eq, inArray, sql } from 'drizzle-orm';
import { recordAudit, recordAuditMany } from '../audit/index.js';
import { lockName } from '../db/advisory-lock.js';
import { isUniqueViolation, type Tx } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { participants } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId, newReferralCode } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { getWorkspaceOrThrow, type Workspace } from '../workspaces/index.js';
import { normalizeEmail, normalizePhone } from './identity.core.js';
import {
  addSignals,
  findParticipant,
  listParticipantRows,
  type ParticipantRow,
  type ParticipantStats,
  statsFor,
} from './participant.repo.js';
import type { Participant, ParticipantCreate, ParticipantUpdate } from './participant.schema.js';
import { addSignalsMany } from './participant-batch.repo.js';

export function referralUrl(publicUrl: string, workspace: Pick<Workspace, 'slug'>, code: string): string {
  return `${publicUrl}/r/${workspace.slug}/${code}`;
}

export function presentParticipant(
  row: ParticipantRow,
  context: { publicUrl: string; workspace: Pick<Workspace, 'slug'>; stats?: ParticipantStats | undefined },
): Participant {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    kind: row.kind,
    externalId: row.externalId,
    emailMarketingConsent: row.emailMarketingConsent,
    smsMarketingConsent: row.smsMarketingConsent,
    doNotContact: row.doNotContact,
    address: row.address,
    leaderboardOptIn: row.leaderboardOptIn,
    referralCode: row.referralCode,
    referralUrl: referralUrl(context.publicUrl, context.workspace, row.referralCode),
    stats: context.stats ?? { referralsMade: 0, referralsSuccessful: 0, rewardsEarned: [] },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function phoneOrThrow(phone: string | null | undefined, workspace: Workspace): string | null {
  if (phone === undefined || phone === null) return null;
  const result = normalizePhone(phone, workspace.defaultCountry);
  if (!result.ok) throw new AppError('validation_failed', `The field \`phone\`: ${result.message}`, { field: 'phone' });
  return result.e164;
}

const AUDITED_FIELDS = [
  'name',
  'email',
  'phone',
  'kind',
  'externalId',
  'emailMarketingConsent',
  'smsMarketingConsent',
  'doNotContact',
  'address',
  'leaderboardOptIn',
] as const;

function auditView(row: ParticipantRow): Record<string, unknown> {
  return Object.fromEntries(AUDITED_FIELDS.map((field) => [field, row[field]]));
}

function externalIdTaken(error: unknown): AppError | undefined {
  if (isUniqueViolation(error, 'participants_external_id_uq')) {
    return new AppError('already_exists', 'Another participant already has this externalId.', { field: 'externalId' });
  }
  return undefined;
}

/**
 * Inserts a participant with a fresh permanent referral code. Runs inside the caller's
 * transaction so a lead form can create the person and their referral together.
 */
export async function insertParticipant(
  tx: Tx,
  workspace: Workspace,
  actor: Actor,
  input: ParticipantCreate,
  at: Date,
  signalSource = 'api',
): Promise<ParticipantRow> {
  const phone = phoneOrThrow(input.phone, workspace);
  for (let attempt = 0; ; attempt++) {
    const values = {
      workspaceId: workspace.id,
      id: newId('participant', at.getTime()),
      name: input.name,
      email: input.email ?? null,
      emailNormalized: input.email ? normalizeEmail(input.email) : null,
      phone,
      kind: input.kind,
      externalId: input.externalId ?? null,
      emailMarketingConsent: input.emailMarketingConsent,
      smsMarketingConsent: input.smsMarketingConsent,
      doNotContact: input.doNotContact,
      address: input.address ?? null,
      referralCode: newReferralCode(),
      createdVia: signalSource === 'api' && actor.type === 'user' ? 'web app' : signalSource,
      createdBy: actor.id,
      createdByName: actor.name,
      createdAt: at,
      updatedAt: at,
    };
    // A code collision (1 in ~10^11 per code) is retried inside a savepoint so the
    // surrounding transaction survives it.
    try {
      const row = await tx.transaction(async (savepoint) => {
        const [inserted] = await savepoint.insert(participants).values(values).returning();
        return inserted;
      });
      if (!row) throw new Error('participant insert returned nothing');
      const signals = [
        ...(input.paymentFingerprint
          ? [{ kind: 'payment_fingerprint' as const, value: input.paymentFingerprint, source: signalSource }]
          : []),
        ...(input.signals?.ip ? [{ kind: 'ip' as const, value: input.signals.ip, source: signalSource }] : []),
        ...(input.signals?.deviceId
          ? [{ kind: 'device' as const, value: input.signals.deviceId, source: signalSource }]
          : []),
      ];
      await addSignals(tx, workspace.id, row.id, signals, at);
      await recordAudit(tx, actor, at, {
        action: 'participant.created',
        objectType: 'participant',
        objectId: row.id,
        after: { ...auditView(row), referralCode: row.referralCode },
      });
      return row;
    } catch (error) {
      if (isUniqueViolation(error, 'participants_referral_code_uq') && attempt < 5) continue;
      throw externalIdTaken(error) ?? error;
    }
  }
}

/**
 * Rows per INSERT. The rows travel as one JSON parameter (jsonb_to_recordset): binding ~18
 * parameters per row costs more than the insert itself on PGlite.
 */
const BATCH_ROWS = 1000;

/**
 * Inserts many participants set-based (imports): the same rows, identity normalisation, signals
 * and `participant.created` audit events as insertParticipant, a thousand rows per statement.
 * A row whose externalId another participant already has is skipped, not an error: the caller
 * checked the store first, so that is a concurrent creation of the same person (answered in
 * `skipped`). A referral-code collision is retried with fresh codes.
 */
export async function insertParticipants(
  tx: Tx,
  workspace: Workspace,
  actor: Actor,
  inputs: ParticipantCreate[],
  at: Date,
  signalSource = 'import',
  onProgress?: (done: number, total: number) => void,
): Promise<{ inserted: { id: string; externalId: string | null }[]; skipped: ParticipantCreate[] }> {
  const inserted: { id: string; externalId: string | null }[] = [];
  const skipped: ParticipantCreate[] = [];
  for (let start = 0; start < inputs.length; start += BATCH_ROWS) {
    let pending = inputs.slice(start, start + BATCH_ROWS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 5) throw new Error('participant batch insert kept colliding on referral codes');
      const values = pending.map((input) => ({
        id: newId('participant', at.getTime()),
        name: input.name,
        email: input.email ?? null,
        emailNormalized: input.email ? normalizeEmail(input.email) : null,
        phone: phoneOrThrow(input.phone, workspace),
        kind: input.kind,
        externalId: input.externalId ?? null,
        emailMarketingConsent: input.emailMarketingConsent,
        smsMarketingConsent: input.smsMarketingConsent,
        doNotContact: input.doNotContact,
        address: input.address ?? null,
        referralCode: newReferralCode(),
      }));
      const result = await tx.execute(sql`
        insert into participants (workspace_id, id, name, email, email_normalized, phone, kind, external_id,
          email_marketing_consent, sms_marketing_consent, do_not_contact, address, referral_code, created_via,
          created_by, created_by_name, created_at, updated_at)
        select ${workspace.id}, r."id", r."name", r."email", r."emailNormalized", r."phone", r."kind"::participant_kind,
          r."externalId", r."emailMarketingConsent", r."smsMarketingConsent", r."doNotContact", r."address",
          r."referralCode", ${signalSource}, ${actor.id}, ${actor.name}, ${at.toISOString()}::timestamptz,
          ${at.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as r("id" text, "name" text, "email" text,
          "emailNormalized" text, "phone" text, "kind" text, "externalId" text, "emailMarketingConsent" boolean,
          "smsMarketingConsent" boolean, "doNotContact" boolean, "address" text, "referralCode" text)
        on conflict do nothing
        returning id`);
      const made = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
      const rows = values.filter((value) => made.has(value.id));
      const missed = pending.filter((_, i) => !made.has(values[i]?.id ?? ''));
      inserted.push(...rows.map((row) => ({ id: row.id, externalId: row.externalId })));
      const byId = new Map(values.map((value, i) => [value.id, pending[i] as ParticipantCreate]));
      const source = signalSource;
      const signals = rows.flatMap((row) => {
        const input = byId.get(row.id);
        const participantId = row.id;
        return [
          ...(input?.paymentFingerprint
            ? [{ kind: 'payment_fingerprint' as const, value: input.paymentFingerprint, participantId, source }]
            : []),
          ...(input?.signals?.ip ? [{ kind: 'ip' as const, value: input.signals.ip, participantId, source }] : []),
          ...(input?.signals?.deviceId
            ? [{ kind: 'device' as const, value: input.signals.deviceId, participantId, source }]
            : []),
        ];
      });
      await addSignalsMany(tx, workspace.id, signals, at);
      await recordAuditMany(
        tx,
        at,
        rows.map(({ id, referralCode, emailNormalized: _, ...view }) => ({
          actor,
          entry: {
            action: 'participant.created',
            objectType: 'participant',
            objectId: id,
            after: { ...view, referralCode },
          },
        })),
      );
      if (missed.length === 0) break;
      // Skipped by ON CONFLICT: an externalId taken meanwhile is the same person; anything else
      // was a referral code already in use, tried again with new codes.
      const ids = missed.map((input) => input.externalId).filter((id): id is string => !!id);
      const taken = new Set(
        ids.length === 0
          ? []
          : (
              await tx
                .select({ externalId: participants.externalId })
                .from(participants)
                .where(and(eq(participants.workspaceId, workspace.id), inArray(participants.externalId, ids)))
            ).map((row) => row.externalId),
      );
      skipped.push(...missed.filter((input) => input.externalId && taken.has(input.externalId)));
      pending = missed.filter((input) => !(input.externalId && taken.has(input.externalId)));
    }
    onProgress?.(Math.min(start + BATCH_ROWS, inputs.length), inputs.length);
  }
  return { inserted, skipped };
}

export async function updateParticipant(
  deps: Deps,
  actor: Actor,
  id: string,
  input: ParticipantUpdate,
  afterUpdate?: (tx: Tx, row: ParticipantRow, before: ParticipantRow) => Promise<void>,
): Promise<Participant> {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const workspace = await getWorkspaceOrThrow(tx, actor.workspaceId);
    const [before] = await tx
      .select()
      .from(participants)
      .where(and(eq(participants.workspaceId, actor.workspaceId), eq(participants.id, id)))
      .for('update');
    if (!before) throw notFound('Participant');
    const changes: Partial<typeof participants.$inferInsert> = { updatedAt: at };
    if (input.name !== undefined) changes.name = input.name;
    if (input.email !== undefined) {
      changes.email = input.email;
      changes.emailNormalized = input.email ? normalizeEmail(input.email) : null;
    }
    if (input.phone !== undefined) changes.phone = phoneOrThrow(input.phone, workspace);
    if (input.kind !== undefined) changes.kind = input.kind;
    if (input.externalId !== undefined) changes.externalId = input.externalId;
    if (input.emailMarketingConsent !== undefined) changes.emailMarketingConsent = input.emailMarketingConsent;
    if (input.smsMarketingConsent !== undefined) changes.smsMarketingConsent = input.smsMarketingConsent;
    if (input.doNotContact !== undefined) changes.doNotContact = input.doNotContact;
    if (input.address !== undefined) changes.address = input.address;
    if (input.leaderboardOptIn !== undefined) changes.leaderboardOptIn = input.leaderboardOptIn;
    let row: ParticipantRow | undefined;
    try {
      [row] = await tx
        .update(participants)
        .set(changes)
        .where(and(eq(participants.workspaceId, actor.workspaceId), eq(participants.id, id)))
        .returning();
    } catch (error) {
      throw externalIdTaken(error) ?? error;
    }
    if (!row) throw notFound('Participant');
    const beforeView = auditView(before);
    const afterView = auditView(row);
    const changed = AUDITED_FIELDS.filter((field) => beforeView[field] !== afterView[field]);
    if (changed.length > 0) {
      await recordAudit(tx, actor, at, {
        action: 'participant.updated',
        objectType: 'participant',
        objectId: id,
        before: Object.fromEntries(changed.map((field) => [field, beforeView[field]])),
        after: Object.fromEntries(changed.map((field) => [field, afterView[field]])),
      });
    }
    if (afterUpdate) await afterUpdate(tx, row, before);
    const stats = (await statsFor(tx, actor.workspaceId, [id])).get(id);
    return presentParticipant(row, { publicUrl: deps.publicUrl, workspace, stats });
  });
}

export async function getParticipant(deps: Deps, actor: Actor, id: string): Promise<Participant> {
  const row = await findParticipant(deps.db, actor.workspaceId, id);
  if (!row) throw notFound('Participant');
  const workspace = await getWorkspaceOrThrow(deps.db, actor.workspaceId);
  const stats = (await statsFor(deps.db, actor.workspaceId, [id])).get(id);
  return presentParticipant(row, { publicUrl: deps.publicUrl, workspace, stats });
}

export async function listParticipants(
  deps: Deps,
  actor: Actor,
  query: { q?: string | undefined; kind?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const rows = await listParticipantRows(
    deps.db,
    actor.workspaceId,
    { q: query.q, kind: query.kind },
    { limit: query.limit, after: decodeCursor(query.cursor) },
  );
  const workspace = await getWorkspaceOrThrow(deps.db, actor.workspaceId);
  const stats = await statsFor(
    deps.db,
    actor.workspaceId,
    rows.slice(0, query.limit).map((row) => row.id),
  );
  return toPage(rows, query.limit, (row) =>
    presentParticipant(row, { publicUrl: deps.publicUrl, workspace, stats: stats.get(row.id) }),
  );
}

/**
 * Conversions that named a participant by the CRM's id before the participant existed are applied
 * when the participant gets that id. That is conversions/' work; the app passes it in, because
 * conversions depends on participants and not the other way round.
 */
export type LinkAwaitingConversions = (
  tx: Tx,
  env: { actor: Actor; at: Date; publicUrl: string },
  participant: ParticipantRow,
) => Promise<void>;

export async function createParticipantAndLink(
  deps: Deps,
  actor: Actor,
  input: ParticipantCreate,
  linkAwaitingConversions: LinkAwaitingConversions,
) {
  const at = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const workspace = await getWorkspaceOrThrow(tx, actor.workspaceId);
    if (input.externalId) await lockName(tx, `participant-external:${actor.workspaceId}:${input.externalId}`);
    const row = await insertParticipant(tx, workspace, actor, input, at);
    await linkAwaitingConversions(tx, { actor, at, publicUrl: deps.publicUrl }, row);
    return presentParticipant(row, { publicUrl: deps.publicUrl, workspace });
  });
}

/**
 * What other features do when a participant's details change, passed in by the app (participants
 * sits below conversions and rewards, which depend on it).
 */
export interface ParticipantHooks {
  linkAwaitingConversions: LinkAwaitingConversions;
  /** A referrer's payout details changed: their unpaid claims go back to review. */
  payeeDetailsChanged: (
    tx: Tx,
    env: { actor: Actor; at: Date; publicUrl: string },
    participantId: string,
    changed: string[],
  ) => Promise<unknown>;
  payeeDetails: readonly string[];
}

export async function updateParticipantAndLink(
  deps: Deps,
  actor: Actor,
  id: string,
  input: ParticipantUpdate,
  hooks: ParticipantHooks,
) {
  return updateParticipant(deps, actor, id, input, async (tx, row, before) => {
    const env = { actor, at: deps.clock.now(), publicUrl: deps.publicUrl };
    if (row.externalId && row.externalId !== before.externalId) {
      await lockName(tx, `participant-external:${actor.workspaceId}:${row.externalId}`);
      await hooks.linkAwaitingConversions(tx, env, row);
    }
    const changed = hooks.payeeDetails.filter(
      (field) => (before as Record<string, unknown>)[field] !== (row as Record<string, unknown>)[field],
    );
    await hooks.payeeDetailsChanged(tx, env, row.id, changed);
  });
}
