import { recordAudit } from '../audit/index.js';
import type { Deps } from '../deps.js';
import { findParticipant } from '../participants/index.js';
import { type Actor, personOf } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { type ExceptionRow, insertException, listExceptionRows, revokeExceptionRow } from './exception.repo.js';
import type { ExceptionInput } from './exception.schema.js';

function present(row: ExceptionRow, now: Date) {
  return {
    id: row.id,
    participantId: row.participantId,
    commissionRateBps: row.commissionRateBps,
    amount: row.amount,
    excludedChecks: row.excludedChecks,
    owner: row.owner,
    reason: row.reason,
    expiresAt: row.expiresAt.toISOString(),
    active: !row.revokedAt && row.expiresAt > now,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function createException(deps: Deps, actor: Actor, input: ExceptionInput) {
  const at = deps.clock.now();
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt <= at)
    throw new AppError('validation_failed', 'The field `expiresAt`: must be in the future.', { field: 'expiresAt' });
  return deps.db.transaction(async (tx) => {
    const partner = await findParticipant(tx, actor.workspaceId, input.participantId);
    if (!partner) throw notFound('Participant', 'participantId');
    if (partner.kind !== 'partner') {
      throw new AppError('unprocessable', `${partner.name} is a ${partner.kind}; exceptions are for partners.`, {
        field: 'participantId',
      });
    }
    const row = await insertException(tx, {
      workspaceId: actor.workspaceId,
      id: newId('exception', at.getTime()),
      participantId: partner.id,
      commissionRateBps: input.commissionRateBps ?? null,
      amount: input.amount ?? null,
      excludedChecks: input.excludedChecks,
      owner: input.owner ?? actor.name,
      reason: input.reason,
      expiresAt,
      createdBy: actor.name,
      createdById: personOf(actor),
      createdAt: at,
    });
    await recordAudit(tx, actor, at, {
      action: 'partner_exception.created',
      objectType: 'partner_exception',
      objectId: row.id,
      after: present(row, at),
    });
    return present(row, at);
  });
}

export async function listExceptions(deps: Deps, actor: Actor, query: { participantId?: string | undefined }) {
  const rows = await listExceptionRows(deps.db, actor.workspaceId, query.participantId);
  const now = deps.clock.now();
  return rows.map((row) => present(row, now));
}

export async function revokeException(deps: Deps, actor: Actor, id: string) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await revokeExceptionRow(tx, actor.workspaceId, id, at);
    if (!row) throw notFound('Active partner exception');
    await recordAudit(tx, actor, at, {
      action: 'partner_exception.revoked',
      objectType: 'partner_exception',
      objectId: row.id,
    });
    return present(row, at);
  });
}
