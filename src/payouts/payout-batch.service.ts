/**
 * Finance's monthly payout run: draft → approve (maker-checker) → export → mark paid, or cancel.
 * Each step locks the batch row, so two people pressing the same button at once make one change
 * and the other gets 409.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { eq, sql } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import { lockName } from '../db/advisory-lock.js';
import type { Executor, Tx } from '../db/client.js';
import { isUniqueViolation } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import { payoutBatchApprovals, payoutBatches, payoutBatchItems, workspaces } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { neutraliseCell } from '../exports/index.js';
import { queueStaffNotice } from '../messaging/index.js';
import { currentRules, getDefaultProgram, rulesTerms } from '../policy/index.js';
import { createRecoveryTask, lockReward, sendLockedReward } from '../rewards/index.js';
import { type Actor, personOf, systemActor } from '../shared/actor.js';
import { formatMoney } from '../shared/currency.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { decodeCursor, toPage } from '../shared/pagination.js';
import { enqueueWebhookEvent } from '../webhooks/index.js';
import {
  approvalBlocker,
  approvalState,
  approvalsRequired,
  batchLines,
  checksumBody,
  type ExportFormat,
  exportRows,
  isPayoutDay,
  linesTotal,
  type PayoutBatchStatus,
  payeesWithoutEmail,
  TWO_PERSON_WINDOW_MS,
} from './payout-batch.core.js';
import {
  approvalsOf,
  currenciesToPay,
  findBatch,
  firstExportOf,
  itemsOf,
  listBatchRows,
  lockDraftCandidates,
  type PayoutBatchApprovalRow,
  type PayoutBatchItemRow,
  type PayoutBatchRow,
  recentBatchTotals,
  releaseItems,
  updateBatchFrom,
} from './payout-batch.repo.js';
import type { PayoutBatch } from './payout-batch.schema.js';

/** SHA-256 of the lines (payout-batch.core.ts says what is covered). */
function batchChecksum(batch: PayoutBatchRow, lines: ReturnType<typeof batchLines>): string {
  return createHash('sha256').update(checksumBody(batch, lines)).digest('hex');
}

function linesOf(items: PayoutBatchItemRow[]) {
  return batchLines(
    items.map((item) => ({
      rewardId: item.rewardId,
      participantId: item.participantId,
      name: item.payeeName,
      email: item.payeeEmail,
      amount: item.amount,
      removedAt: item.removedAt,
    })),
  );
}

function present(
  batch: PayoutBatchRow,
  items: PayoutBatchItemRow[],
  approvals: PayoutBatchApprovalRow[],
  viewer: Actor,
): PayoutBatch {
  const lines = linesOf(items);
  const approverIds = approvals.map((row) => row.approverId);
  const state = approvalState({
    status: batch.status,
    createdBy: batch.createdBy,
    approverIds,
    required: batch.approvalsRequired,
  });
  const blocker = approvalBlocker({
    status: batch.status,
    createdBy: batch.createdBy,
    approverIds,
    person: personOf(viewer),
    lines: lines.length,
  });
  return {
    id: batch.id,
    status: batch.status,
    currency: batch.currency,
    through: batch.through.toISOString(),
    note: batch.note,
    total: linesTotal(lines),
    draftTotal: batch.draftTotal,
    payees: lines.length,
    rewards: lines.reduce((sum, line) => sum + line.rewardIds.length, 0),
    lines,
    removed: items
      .filter((item) => item.removedAt)
      .map((item) => ({
        rewardId: item.rewardId,
        participantId: item.participantId,
        name: item.payeeName,
        amount: item.amount,
        reason: item.removedReason ?? '',
        removedAt: item.removedAt?.toISOString() ?? '',
      })),
    checksum: batch.checksum,
    // What was approved is what is paid: lines that no longer match the approved checksum are refused.
    checksumMatches: batch.checksum === null ? null : batch.checksum === checksumAsApproved(batch, items),
    maker: { id: batch.createdBy, name: batch.createdByName },
    scheduledFor: batch.scheduledFor,
    approval: {
      required: state.required,
      remaining: state.remaining,
      approvers: approvals.map((row) => ({
        id: row.approverId,
        name: row.approverName,
        role: row.approverRole,
        note: row.note,
        at: row.createdAt.toISOString(),
      })),
      youMayApprove: blocker === null && (viewer.role === 'owner' || viewer.role === 'finance'),
      whyNot:
        blocker?.message ??
        (viewer.role === 'owner' || viewer.role === 'finance' ? null : 'Only finance or an owner approves payouts.'),
    },
    createdAt: batch.createdAt.toISOString(),
    approvedAt: batch.approvedAt?.toISOString() ?? null,
    paidAt: batch.paidAt?.toISOString() ?? null,
    paidByName: batch.paidByName,
    paidReference: batch.paidReference,
    cancelledAt: batch.cancelledAt?.toISOString() ?? null,
    cancelledByName: batch.cancelledByName,
    cancelReason: batch.cancelReason,
  };
}

async function load(db: Executor, actor: Actor, id: string) {
  const batch = await findBatch(db, actor.workspaceId, id);
  if (!batch) throw notFound('Payout batch');
  const [items, approvals] = [
    await itemsOf(db, actor.workspaceId, [id]),
    await approvalsOf(db, actor.workspaceId, [id]),
  ];
  return present(batch, items, approvals, actor);
}

export async function getBatch(deps: Deps, actor: Actor, id: string) {
  return load(deps.db, actor, id);
}

export async function listBatches(
  deps: Deps,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; status?: PayoutBatchStatus | undefined },
) {
  const rows = await listBatchRows(deps.db, actor.workspaceId, {
    limit: query.limit,
    after: decodeCursor(query.cursor),
    status: query.status,
  });
  const ids = rows.slice(0, query.limit).map((row) => row.id);
  const items = await itemsOf(deps.db, actor.workspaceId, ids);
  const approvals = await approvalsOf(deps.db, actor.workspaceId, ids);
  return toPage(rows, query.limit, (row) =>
    present(
      row,
      items.filter((item) => item.batchId === row.id),
      approvals.filter((approval) => approval.batchId === row.id),
      actor,
    ),
  );
}

/**
 * Drafts a batch in one transaction: the candidates are locked, one item per reward is written
 * (frozen payee and amount), and the unique index on held items makes a reward's second batch
 * impossible. Drafts of one workspace and currency take turns (a named lock), so a second draft
 * made at the same moment sees the first's items and takes only what is left.
 */
async function draftInTx(
  tx: Tx,
  actor: Actor,
  at: Date,
  input: { currency: string; through: Date; note: string | null; scheduledFor: string | null },
): Promise<PayoutBatchRow | null> {
  await lockName(tx, `payout-draft:${actor.workspaceId}:${input.currency}`);
  const program = await getDefaultProgram(tx, actor.workspaceId);
  const rules = rulesTerms(await currentRules(tx, actor.workspaceId, program.id));
  const candidates = await lockDraftCandidates(tx, {
    workspaceId: actor.workspaceId,
    programId: program.id,
    currency: input.currency,
    through: input.through,
  });
  if (candidates.length === 0) return null;
  const total = candidates.reduce((sum, row) => sum + row.amount, 0);
  // The drafts of this currency take turns (the lock above), so every other batch is seen here.
  const others = await recentBatchTotals(tx, {
    workspaceId: actor.workspaceId,
    currency: input.currency,
    since: new Date(at.getTime() - TWO_PERSON_WINDOW_MS),
    excludeId: null,
  });
  const id = newId('payoutBatch', at.getTime());
  const [batch] = await tx
    .insert(payoutBatches)
    .values({
      workspaceId: actor.workspaceId,
      id,
      programId: program.id,
      currency: input.currency,
      status: 'draft',
      through: input.through,
      note: input.note,
      draftTotal: total,
      approvalsRequired: approvalsRequired(total, input.currency, rules, others),
      createdBy: personOf(actor),
      createdByName: actor.name,
      scheduledFor: input.scheduledFor,
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  if (!batch) throw new Error('payout batch insert returned nothing');
  await tx.insert(payoutBatchItems).values(
    candidates.map((row) => ({
      workspaceId: actor.workspaceId,
      batchId: id,
      rewardId: row.rewardId,
      participantId: row.participantId,
      payeeName: row.name,
      payeeEmail: row.email,
      amount: row.amount,
    })),
  );
  await recordAudit(tx, actor, at, {
    action: 'payout_batch.drafted',
    objectType: 'payout_batch',
    objectId: id,
    after: {
      currency: input.currency,
      through: input.through.toISOString(),
      total,
      rewards: candidates.length,
      approvalsRequired: batch.approvalsRequired,
      scheduledFor: input.scheduledFor,
    },
  });
  return batch;
}

export async function createBatch(
  deps: Deps,
  actor: Actor,
  input: { currency: string; through?: string | undefined; note?: string | undefined },
) {
  const at = deps.clock.now();
  const through = input.through ? new Date(input.through) : at;
  if (through > at) {
    throw new AppError('validation_failed', 'Must not be in the future: only rewards approved so far can be paid.', {
      field: 'through',
    });
  }
  const batch = await inTransaction(deps.db, (tx) =>
    draftInTx(tx, actor, at, { currency: input.currency, through, note: input.note ?? null, scheduledFor: null }),
  );
  if (!batch) {
    throw new AppError(
      'unprocessable',
      `No approved ${input.currency} rewards to pay (gift cards, commission shares or custom rewards with an amount, approved by ${through.toISOString().slice(0, 16).replace('T', ' ')} UTC and not in another batch).`,
      { field: 'currency' },
    );
  }
  return load(deps.db, actor, batch.id);
}

async function lockBatchOrThrow(tx: Tx, actor: Actor, id: string) {
  const batch = await findBatch(tx, actor.workspaceId, id, true);
  if (!batch) throw notFound('Payout batch');
  return batch;
}

/**
 * An approval by someone who did not draft it. The first of two required is recorded and the
 * batch waits; the last one freezes it: status approved and the checksum of its lines.
 */
export async function approveBatch(deps: Deps, actor: Actor, id: string, input: { note?: string | undefined }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const batch = await lockBatchOrThrow(tx, actor, id);
    const approvals = await approvalsOf(tx, actor.workspaceId, [id]);
    const items = await itemsOf(tx, actor.workspaceId, [id]);
    const lines = linesOf(items);
    const person = personOf(actor);
    const required = await approvalsRequiredNow(tx, batch, linesTotal(lines), at);
    const blocker = approvalBlocker({
      status: batch.status,
      createdBy: batch.createdBy,
      approverIds: approvals.map((row) => row.approverId),
      person,
      lines: lines.length,
    });
    if (blocker) throw new AppError(blocker.code, blocker.message);
    await tx.insert(payoutBatchApprovals).values({
      workspaceId: actor.workspaceId,
      batchId: id,
      approverId: person,
      approverName: actor.name,
      approverRole: actor.role,
      note: input.note ?? null,
      createdAt: at,
    });
    if (required > batch.approvalsRequired) {
      await updateBatchFrom(tx, batch, 'draft', { approvalsRequired: required, updatedAt: at });
      await recordAudit(tx, actor, at, {
        action: 'payout_batch.approvals_raised',
        objectType: 'payout_batch',
        objectId: id,
        before: { approvalsRequired: batch.approvalsRequired },
        after: {
          approvalsRequired: required,
          why: 'with the other batches of this currency approved or awaiting approval in the last 24 hours, it is above the two-person amount',
        },
      });
    }
    const count = approvals.length + 1;
    if (count < required) {
      await recordAudit(tx, actor, at, {
        action: 'payout_batch.approval_recorded',
        objectType: 'payout_batch',
        objectId: id,
        after: { approvals: count, required, note: input.note ?? null },
      });
      return;
    }
    const checksum = batchChecksum(batch, lines);
    const row = await updateBatchFrom(tx, batch, 'draft', {
      status: 'approved',
      approvedAt: at,
      checksum,
      updatedAt: at,
    });
    if (!row) throw new AppError('invalid_transition', 'This batch is no longer a draft.');
    await recordAudit(tx, actor, at, {
      action: 'payout_batch.approved',
      objectType: 'payout_batch',
      objectId: id,
      before: { status: 'draft' },
      after: {
        status: 'approved',
        checksum,
        total: linesTotal(lines),
        approvers: [...approvals.map((a) => a.approverName), actor.name],
      },
    });
    await enqueueWebhookEvent(tx, { workspaceId: actor.workspaceId, type: 'payout_batch.approved', objectId: id, at });
  });
  return load(deps.db, actor, id);
}

/**
 * The approvals a draft needs now: never fewer than when drafted, and two when its total with the
 * other batches of its currency approved or awaiting approval in the last 24 hours is above the
 * two-person amount (payout-batch.core.ts decides; this loads the facts). Drafts always count, so
 * one checker approving several small drafts at once sees each of the others.
 */
async function approvalsRequiredNow(tx: Tx, batch: PayoutBatchRow, total: number, at: Date): Promise<number> {
  const rules = rulesTerms(await currentRules(tx, batch.workspaceId, batch.programId));
  const others = await recentBatchTotals(tx, {
    workspaceId: batch.workspaceId,
    currency: batch.currency,
    since: new Date(at.getTime() - TWO_PERSON_WINDOW_MS),
    excludeId: batch.id,
  });
  return Math.max(batch.approvalsRequired, approvalsRequired(total, batch.currency, rules, others));
}

/**
 * The approved lines as CSV. A draft is not exported: nothing is paid before it is approved.
 * The file is the frozen batch: a reward refunded after approval keeps its line (it is recovered
 * once the batch is paid). The export is recorded (its audit event), and from then on the batch
 * cannot be cancelled: the file may already be with the bank.
 */
export async function exportBatch(deps: Deps, actor: Actor, id: string, format: ExportFormat) {
  // The batch row is held while the file is made and its export recorded, so a cancel at the same
  // moment either comes first (no file) or sees the export (and is refused).
  return inTransaction(deps.db, (tx) => exportInTx(tx, deps, actor, id, format));
}

async function exportInTx(tx: Tx, deps: Deps, actor: Actor, id: string, format: ExportFormat) {
  const batch = await lockBatchOrThrow(tx, actor, id);
  if (batch.status !== 'approved' && batch.status !== 'paid') {
    throw new AppError('invalid_transition', `This batch is ${batch.status}; only an approved batch is exported.`);
  }
  const items = await itemsOf(tx, actor.workspaceId, [id]);
  verifyApproved(batch, items);
  const lines = linesOf(items);
  if (format === 'paypal') {
    const missing = payeesWithoutEmail(lines);
    if (missing.length > 0) {
      throw new AppError(
        'unprocessable',
        `PayPal pays by email, and ${missing.map((line) => line.name).join(', ')} ${missing.length === 1 ? 'has' : 'have'} none: add the email or use the generic export.`,
        { field: 'format', details: { participantIds: missing.map((line) => line.participantId) } },
      );
    }
  }
  const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
  const rows = exportRows(format, batch, lines, workspace?.companyName ?? workspace?.name ?? 'Rewardloop');
  const csv = stringify(
    rows.map((row) => row.map((cell) => (typeof cell === 'string' ? neutraliseCell(cell) : cell))),
    { record_delimiter: 'windows' },
  );
  await recordAudit(tx, actor, deps.clock.now(), {
    action: 'payout_batch.exported',
    objectType: 'payout_batch',
    objectId: id,
    after: { format, payees: lines.length, total: linesTotal(lines) },
  });
  return { csv, filename: `${id}-${format}.csv`, rows: lines.length };
}

/**
 * The checksum of the lines as approved. Rewards taken out since (refunded before payment) are
 * put back for it: the approval stays good for what is left, and anything else that changed (an
 * item edited behind the application's back) shows as a mismatch and is refused rather than paid.
 */
function checksumAsApproved(batch: PayoutBatchRow, items: PayoutBatchItemRow[]): string {
  // At the approval's own instant counts as after it: the doubtful case fails safe (a mismatch).
  const approvedAt = batch.approvedAt;
  const asApproved = items.map((item) =>
    approvedAt && item.removedAt && item.removedAt >= approvedAt ? { ...item, removedAt: null } : item,
  );
  return batchChecksum(batch, linesOf(asApproved));
}

function verifyApproved(batch: PayoutBatchRow, items: PayoutBatchItemRow[]) {
  if (batch.checksum && checksumAsApproved(batch, items) !== batch.checksum) {
    throw new AppError(
      'invalid_transition',
      'This batch no longer matches what was approved (its checksum differs): cancel it and draft a new one.',
      { details: { checksum: batch.checksum } },
    );
  }
}

/**
 * The money left: every reward still in the batch becomes sent with the payment's reference,
 * through the same step as "mark sent" (its thank-you and notices follow). The batch is closed
 * first, in the same transaction, so the database's guard lets its own rewards be marked sent.
 */
export async function markBatchPaid(deps: Deps, actor: Actor, id: string, input: { reference: string }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const batch = await lockBatchOrThrow(tx, actor, id);
    if (batch.status !== 'approved') {
      throw new AppError(
        'invalid_transition',
        batch.status === 'draft'
          ? 'This batch is not approved yet: it needs its approval(s) before it is paid.'
          : `This batch is ${batch.status}; only an approved batch can be marked paid.`,
      );
    }
    const items = await itemsOf(tx, actor.workspaceId, [id]);
    verifyApproved(batch, items);
    const row = await updateBatchFrom(tx, batch, 'approved', {
      status: 'paid',
      paidAt: at,
      paidBy: actor.id,
      paidByName: actor.name,
      paidReference: input.reference,
      updatedAt: at,
    });
    if (!row) throw new AppError('invalid_transition', 'This batch was marked paid by someone else just now.');
    const env = { actor, at, publicUrl: deps.publicUrl };
    const held = items.filter((item) => !item.removedAt && !item.releasedAt);
    const recovered: string[] = [];
    for (const item of held) {
      const reward = await lockReward(tx, actor.workspaceId, item.rewardId);
      if (!reward) throw new AppError('internal', `Reward ${item.rewardId} of batch ${id} is missing.`);
      if (reward.status === 'pending' || reward.status === 'failed') {
        await sendLockedReward(tx, env, reward, { reference: input.reference, note: `Paid in payout batch ${id}.` });
        continue;
      }
      // Refunded (or sent back by the system) after the batch was approved: its line stayed in the
      // frozen file and was paid with it, so the money is recovered as for a refund after payment.
      await createRecoveryTask(
        tx,
        env,
        reward,
        reward.conversionId,
        // As rewards/ decides for a refund after payment: cash-like is clawed back, the rest recovered.
        reward.status !== 'reversed' ? 'review' : reward.rewardType === 'commission_share' ? 'clawback' : 'recovery',
        item.amount,
        `paid in payout batch ${id} (${input.reference}) after the reward was ${reward.status.replace('_', ' ')}${reward.closedReason ? `: ${reward.closedReason}` : ''}`,
      );
      recovered.push(reward.id);
    }
    await recordAudit(tx, actor, at, {
      action: 'payout_batch.paid',
      objectType: 'payout_batch',
      objectId: id,
      before: { status: 'approved' },
      after: {
        status: 'paid',
        reference: input.reference,
        rewards: held.length,
        total: held.reduce((sum, item) => sum + item.amount, 0),
        recoveryTasksFor: recovered,
      },
    });
    await enqueueWebhookEvent(tx, { workspaceId: actor.workspaceId, type: 'payout_batch.paid', objectId: id, at });
  });
  return load(deps.db, actor, id);
}

/**
 * Cancelling a draft, or an approved batch never exported, frees the rewards for another batch.
 * Once its file was downloaded it is refused (the file may be paid: a new batch would pay twice).
 */
export async function cancelBatch(deps: Deps, actor: Actor, id: string, input: { reason: string }) {
  const at = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    const batch = await lockBatchOrThrow(tx, actor, id);
    if (batch.status !== 'draft' && batch.status !== 'approved') {
      throw new AppError(
        'invalid_transition',
        `This batch is ${batch.status}; only a draft or approved batch can be cancelled.`,
      );
    }
    const exported = await firstExportOf(tx, actor.workspaceId, id);
    if (exported) {
      // The file may already be with the bank or PayPal: freeing its rewards would pay them twice.
      throw new AppError(
        'invalid_transition',
        `This batch was exported on ${exported.at.toISOString().slice(0, 16).replace('T', ' ')} UTC by ${exported.by}: its file may already be paid, so it cannot be cancelled. Mark it paid once the payment has gone out; if the file was never used, delete it and ask a developer to correct the batch, never draft its rewards again.`,
        { details: { exportedAt: exported.at.toISOString(), exportedBy: exported.by } },
      );
    }
    const row = await updateBatchFrom(tx, batch, batch.status, {
      status: 'cancelled',
      cancelledAt: at,
      cancelledByName: actor.name,
      cancelReason: input.reason,
      updatedAt: at,
    });
    if (!row) throw new AppError('invalid_transition', 'This batch changed just now; look again.');
    await releaseItems(tx, batch, at);
    await recordAudit(tx, actor, at, {
      action: 'payout_batch.cancelled',
      objectType: 'payout_batch',
      objectId: id,
      before: { status: batch.status },
      after: { status: 'cancelled', reason: input.reason },
    });
  });
  return load(deps.db, actor, id);
}

/**
 * The scheduler's monthly run: on the program's payout day, a draft per currency with approved
 * rewards, and a notice to finance (the workspace's notification addresses). Once per day and
 * currency, however many processes run the scheduler (a unique index on `scheduled_for`).
 */
/**
 * The scheduler's tick: every workspace whose program rules (the version in force) name today
 * as the payout day gets its monthly drafts, one per currency with approved rewards to pay.
 */
export async function draftDueBatches(deps: Deps): Promise<string[]> {
  const now = deps.clock.now();
  const day = now.toISOString().slice(0, 10);
  const due = rowsOf<{ workspace_id: string; payout_day_of_month: number }>(
    await deps.db.execute(sql`
      select pr.workspace_id, pr.payout_day_of_month from programs p
      join lateral (select x.workspace_id, x.payout_day_of_month from program_rules x
        where x.workspace_id = p.workspace_id and x.program_id = p.id order by x.version desc limit 1) pr on true
      where p.is_default and pr.payout_day_of_month is not null`),
  );
  const made: string[] = [];
  for (const row of due) {
    if (!isPayoutDay(Number(row.payout_day_of_month), now)) continue;
    const currencies = await currenciesToPay(deps.db, row.workspace_id, day);
    made.push(...(await draftScheduledBatch(deps, row.workspace_id, currencies, day)));
  }
  return made;
}

export async function draftScheduledBatch(
  deps: Deps,
  workspaceId: string,
  currencies: string[],
  day: string,
): Promise<string[]> {
  const at = deps.clock.now();
  const actor = systemActor(workspaceId, 'Monthly payout run');
  const made: string[] = [];
  for (const currency of currencies) {
    try {
      const batch = await inTransaction(deps.db, async (tx) => {
        const row = await draftInTx(tx, actor, at, {
          currency,
          through: at,
          note: `Monthly payout run of ${day}.`,
          scheduledFor: day,
        });
        if (row) await noticeFinance(tx, row, { at, publicUrl: deps.publicUrl });
        return row;
      });
      if (batch) made.push(batch.id);
    } catch (error) {
      if (isUniqueViolation(error, 'payout_batches_scheduled_uq')) continue;
      throw error;
    }
  }
  return made;
}

async function noticeFinance(tx: Tx, batch: PayoutBatchRow, env: { at: Date; publicUrl: string }) {
  const [workspace] = await tx.select().from(workspaces).where(eq(workspaces.id, batch.workspaceId));
  if (!workspace) return;
  const actor = systemActor(batch.workspaceId, 'Monthly payout run');
  const total = formatMoney(batch.draftTotal, batch.currency);
  const url = `${env.publicUrl.replace(/\/$/, '')}/payouts/${batch.id}`;
  const messageId = await queueStaffNotice(tx, {
    workspace,
    subject: `Payout batch ready to approve: ${total}`,
    bodyText:
      `This month's payout batch (${total}) was drafted on the payout day and is waiting for finance.\n\n` +
      `Review it, approve it (someone other than its maker), export it and mark it paid:\n${url}\n\n` +
      'Rewards are issued once a month, from this batch.',
    actor,
    at: env.at,
  });
  await recordAudit(tx, actor, env.at, {
    action: 'payout_batch.finance_notified',
    objectType: 'payout_batch',
    objectId: batch.id,
    after: { to: workspace.notifyEmails, total, messageId },
  });
}
