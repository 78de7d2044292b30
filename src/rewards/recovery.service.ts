import { recordAudit } from '../audit/index.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import {
  closeRecoveryTask,
  listRecoveryTasks,
  lockRecoveryTask,
  type RecoveryTaskRow,
  type RecoveryTaskStatus,
} from './recovery.repo.js';

function present(row: RecoveryTaskRow) {
  return {
    id: row.id,
    rewardId: row.rewardId,
    conversionId: row.conversionId,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    status: row.status,
    resolution: row.resolution,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

export async function listTasks(deps: Deps, actor: Actor, query: { status?: RecoveryTaskStatus | undefined }) {
  return (await listRecoveryTasks(deps.db, actor.workspaceId, query.status)).map(present);
}

/** Closes an open task: done (recovered) or waived (written off), with a note. */
export async function resolveTask(
  deps: Deps,
  actor: Actor,
  id: string,
  input: { status: 'done' | 'waived'; note: string },
) {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const task = await lockRecoveryTask(tx, actor.workspaceId, id);
    if (!task) throw notFound('Recovery task');
    if (task.status !== 'open') throw new AppError('invalid_transition', `This task is already ${task.status}.`);
    const row = await closeRecoveryTask(tx, actor.workspaceId, task.id, {
      status: input.status,
      resolution: input.note,
      resolvedBy: actor.id,
      resolvedAt: at,
    });
    if (!row) throw notFound('Recovery task');
    await recordAudit(tx, actor, at, {
      action: `recovery_task.${input.status}`,
      objectType: 'recovery_task',
      objectId: row.id,
      before: { status: 'open' },
      after: { status: row.status, note: input.note },
    });
    return present(row);
  });
}
