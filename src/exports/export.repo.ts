import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { rowsOf } from '../db/json-rows.js';
import type { ExportKind } from './export.core.js';

export interface ExportFilters {
  status?: string[] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface ExportCursor {
  at: string;
  id: string;
}

/** Each kind's table, its time column (the keyset's first half; an index leads with it) and its columns. */
const SOURCES: Record<ExportKind, { from: SQL; time: SQL; select: SQL }> = {
  rewards: {
    from: sql`rewards x
      left join participants referrer on referrer.workspace_id = x.workspace_id and referrer.id = x.referrer_id
      left join participants referred on referred.workspace_id = x.workspace_id and referred.id = x.referred_id
      left join participants payee on payee.workspace_id = x.workspace_id and payee.id = x.payee_id`,
    time: sql`x.created_at`,
    select: sql`x.id, x.status, x.kind, x.payee_id as "payeeId", payee.name as "payeeName", payee.email as "payeeEmail",
      x.milestone, x.source_reward_id as "sourceRewardId", x.reward_type as "rewardType", x.amount::bigint as "amountMinor", x.currency, x.summary,
      x.referrer_id as "referrerId", referrer.name as "referrerName", referrer.email as "referrerEmail",
      x.referred_id as "referredId", referred.name as "referredName", x.conversion_id as "conversionId",
      x.recommendation, x.fraud_score as "fraudScore", x.approved_at as "approvedAt", x.sent_at as "sentAt",
      x.sent_reference as "sentReference", x.thanked_at as "thankedAt", x.closed_at as "closedAt",
      x.closed_reason as "closedReason"`,
  },
  participants: {
    from: sql`participants x`,
    time: sql`x.created_at`,
    select: sql`x.id, x.name, x.email, x.phone, x.kind, x.external_id as "externalId", x.referral_code as "referralCode",
      x.email_marketing_consent as "emailMarketingConsent", x.sms_marketing_consent as "smsMarketingConsent",
      x.do_not_contact as "doNotContact", x.created_via as "createdVia", x.updated_at as "updatedAt"`,
  },
  conversions: {
    from: sql`conversions x`,
    time: sql`x.received_at`,
    select: sql`x.id, x.source, x.external_id as "externalId", x.type, x.outcome, x.amount::bigint as "amountMinor",
      x.currency, x.referred_id as "referredId", x.referred_external_id as "referredExternalId",
      x.original_external_id as "originalExternalId", x.occurred_at as "occurredAt"`,
  },
  'audit-events': {
    from: sql`audit_events x`,
    time: sql`x.created_at`,
    select: sql`x.id, x.actor_type as "actorType", x.actor_id as "actorId", x.actor_name as "actorName",
      x.actor_role as "actorRole", x.action, x.object_type as "objectType", x.object_id as "objectId",
      x.before, x.after, x.request_id as "requestId"`,
  },
};

function conditions(kind: ExportKind, workspaceId: string, filters: ExportFilters): SQL {
  const { time } = SOURCES[kind];
  const parts: SQL[] = [sql`x.workspace_id = ${workspaceId}`];
  if (filters.from) parts.push(sql`${time} >= ${filters.from.toISOString()}::timestamptz`);
  if (filters.to) parts.push(sql`${time} < ${filters.to.toISOString()}::timestamptz`);
  if (kind === 'rewards' && filters.status?.length) {
    parts.push(sql`x.status::text in (select jsonb_array_elements_text(${JSON.stringify(filters.status)}::jsonb))`);
  }
  return sql.join(parts, sql` and `);
}

/**
 * One keyset page, oldest first, after `cursor`: `(time, id) > cursor` walks the
 * (workspace_id, time, id) index, so each page costs the same however deep into the table.
 * Times travel as text with microseconds, so the cursor is exact.
 */
export async function exportPage(
  db: Executor,
  kind: ExportKind,
  workspaceId: string,
  filters: ExportFilters,
  cursor: ExportCursor | undefined,
  limit: number,
): Promise<{ rows: Record<string, unknown>[]; cursor: ExportCursor | undefined }> {
  const source = SOURCES[kind];
  const after = cursor ? sql` and (${source.time}, x.id) > (${cursor.at}::timestamptz, ${cursor.id})` : sql``;
  const rows = rowsOf<Record<string, unknown> & { _at: string }>(
    await db.execute(sql`
      select ${source.select}, ${source.time} as "${sql.raw(kind === 'conversions' ? 'receivedAt' : 'createdAt')}",
        to_char(${source.time} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "_at"
      from ${source.from}
      where ${conditions(kind, workspaceId, filters)}${after}
      order by ${source.time}, x.id
      limit ${limit}`),
  );
  const last = rows[rows.length - 1];
  return {
    rows,
    cursor: last && rows.length === limit ? { at: last._at, id: String(last.id) } : undefined,
  };
}

export async function countExportRows(db: Executor, kind: ExportKind, workspaceId: string, filters: ExportFilters) {
  const [row] = rowsOf<{ n: number }>(
    await db.execute(
      sql`select count(*)::int as n from ${SOURCES[kind].from} where ${conditions(kind, workspaceId, filters)}`,
    ),
  );
  return Number(row?.n ?? 0);
}
