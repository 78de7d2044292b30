/**
 * Tax forms on file, the year's tax report, a participant's payout figures and the payout
 * measures on the dashboard.
 */
import { stringify } from 'csv-stringify/sync';
import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import { participants } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { neutraliseCell } from '../exports/index.js';
import { currentRules, getDefaultProgram, rulesTerms } from '../policy/index.js';
import type { Actor } from '../shared/actor.js';
import { decimalAmount } from '../shared/currency.js';
import { AppError, notFound } from '../shared/errors.js';
import { costByRewardType, paidByPayee, payoutTimeByMonth, referrerValue } from './payout-report.repo.js';
import { type TaxFormType, taxReportRow, taxYearBounds } from './tax.core.js';
import type { TaxReport } from './tax.schema.js';

async function participantOrThrow(deps: Deps, actor: Actor, id: string) {
  const [row] = await deps.db
    .select()
    .from(participants)
    .where(and(eq(participants.workspaceId, actor.workspaceId), eq(participants.id, id)));
  if (!row) throw notFound('Participant');
  return row;
}

function formOf(row: { taxFormType: TaxFormType | null; taxFormReceivedAt: Date | null }) {
  return row.taxFormType && row.taxFormReceivedAt
    ? { type: row.taxFormType, receivedAt: row.taxFormReceivedAt.toISOString() }
    : null;
}

const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Finance records which form a payee sent and when (a form dated in the future is refused).
 * Recording it lets finance resolve the payee's `tax_form_missing` flags.
 */
export async function recordTaxForm(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { type: TaxFormType; receivedAt: string },
) {
  const at = deps.clock.now();
  const receivedAt = new Date(input.receivedAt);
  // "Received today" from a browser whose clock is a little ahead of the server's is not a form
  // from the future (the web app sends the moment it was recorded when the date is today).
  if (receivedAt.getTime() > at.getTime() + CLOCK_SKEW_MS) {
    throw new AppError('validation_failed', 'Must not be in the future: when the form was received.', {
      field: 'receivedAt',
    });
  }
  await inTransaction(deps.db, async (tx) => {
    const [before] = await tx
      .select({ type: participants.taxFormType, receivedAt: participants.taxFormReceivedAt })
      .from(participants)
      .where(and(eq(participants.workspaceId, actor.workspaceId), eq(participants.id, id)))
      .for('update');
    if (!before) throw notFound('Participant');
    await tx
      .update(participants)
      .set({ taxFormType: input.type, taxFormReceivedAt: receivedAt, updatedAt: at })
      .where(and(eq(participants.workspaceId, actor.workspaceId), eq(participants.id, id)));
    await recordAudit(tx, actor, at, {
      action: 'participant.tax_form_recorded',
      objectType: 'participant',
      objectId: id,
      before: { type: before.type, receivedAt: before.receivedAt?.toISOString() ?? null },
      after: { type: input.type, receivedAt: receivedAt.toISOString() },
    });
  });
  return getParticipantPayouts(deps, actor, id);
}

export async function getParticipantPayouts(deps: Deps, actor: Actor, id: string) {
  const row = await participantOrThrow(deps, actor, id);
  const { start, end } = taxYearBounds(deps.clock.now().getUTCFullYear());
  const value = await referrerValue(deps.db, actor.workspaceId, id);
  const program = await getDefaultProgram(deps.db, actor.workspaceId);
  const rules = rulesTerms(await currentRules(deps.db, actor.workspaceId, program.id));
  const paid = await paidByPayee(deps.db, {
    workspaceId: actor.workspaceId,
    start,
    end,
    currency: rules.taxThresholdCurrency,
    rewardTypes: rules.taxableRewardTypes,
  });
  const mine = paid.find((payee) => payee.participantId === id);
  return {
    taxForm: formOf(row),
    paidThisYear: mine ? [{ currency: rules.taxThresholdCurrency, amount: mine.paidTotal }] : [],
    lifetimeValue: value,
  };
}

/** Each payee paid in the year (taxable types, the threshold's currency): total, count, form, over or under. */
export async function taxReport(deps: Deps, actor: Actor, year: number): Promise<TaxReport> {
  const program = await getDefaultProgram(deps.db, actor.workspaceId);
  const rules = rulesTerms(await currentRules(deps.db, actor.workspaceId, program.id));
  const { start, end } = taxYearBounds(year);
  const rows = await paidByPayee(deps.db, {
    workspaceId: actor.workspaceId,
    start,
    end,
    currency: rules.taxThresholdCurrency,
    rewardTypes: rules.taxableRewardTypes,
  });
  return {
    year,
    threshold: { amount: rules.taxThresholdAmount, currency: rules.taxThresholdCurrency },
    taxableRewardTypes: rules.taxableRewardTypes,
    payees: rows.map((row) =>
      taxReportRow({
        ...row,
        formType: row.formType as TaxFormType | null,
        threshold: rules.taxThresholdAmount,
      }),
    ),
  };
}

export const TAX_REPORT_COLUMNS = [
  'participantId',
  'name',
  'email',
  'year',
  'paidTotal',
  'paidTotalMinor',
  'currency',
  'paidCount',
  'taxForm',
  'taxFormReceivedAt',
  'overThreshold',
  'formMissing',
] as const;

export async function taxReportCsv(deps: Deps, actor: Actor, year: number) {
  const report = await taxReport(deps, actor, year);
  const currency = report.threshold.currency;
  const rows = report.payees.map((payee) => [
    payee.participantId,
    payee.name,
    payee.email ?? '',
    String(year),
    decimalAmount(payee.paidTotal, currency),
    payee.paidTotal,
    currency,
    payee.paidCount,
    payee.taxForm?.type ?? '',
    payee.taxForm?.receivedAt ?? '',
    payee.overThreshold ? 'true' : 'false',
    payee.formMissing ? 'true' : 'false',
  ]);
  const csv = stringify(
    [[...TAX_REPORT_COLUMNS], ...rows].map((row) =>
      row.map((cell) => (typeof cell === 'string' ? neutraliseCell(cell) : cell)),
    ),
    { record_delimiter: 'windows' },
  );
  return { csv, rows: rows.length };
}

export async function payoutMeasures(deps: Deps, actor: Actor, months: number) {
  const now = deps.clock.now();
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  return {
    since: since.toISOString(),
    payoutTime: await payoutTimeByMonth(deps.db, actor.workspaceId, since),
    costByRewardType: await costByRewardType(deps.db, actor.workspaceId, since),
  };
}
