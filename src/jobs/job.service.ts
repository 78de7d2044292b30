/**
 * Completed jobs and what their score decides: load the customer (locked, so two jobs of one
 * customer take turns and the cooldown holds), the job, the rules and the last invitation; ask
 * invitations' core; write the job, the invitation and its outbox rows in one transaction.
 */

import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../audit/index.js';
import { jobs } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { decideInvitation, queueInvitation } from '../invitations/index.js';
import { sendWindowOf } from '../messaging/index.js';
import { findParticipant, findParticipantByExternalId, lockParticipant } from '../participants/index.js';
import { currentRules, getDefaultProgram } from '../policy/index.js';
import type { Actor } from '../shared/actor.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { getWorkspaceOrThrow } from '../workspaces/index.js';
import {
  invitationMessages,
  invitationOfJob,
  type JobRow,
  latestInvitationOf,
  lockJobByExternalId,
} from './job.repo.js';
import type { Job, JobInput } from './job.schema.js';

export async function recordJob(deps: Deps, actor: Actor, input: JobInput): Promise<{ created: boolean; job: Job }> {
  const at = deps.clock.now();
  const workspaceId = actor.workspaceId;
  const { row, created } = await inTransaction(deps.db, async (tx) => {
    const named = input.customerId
      ? await findParticipant(tx, workspaceId, input.customerId)
      : await findParticipantByExternalId(tx, workspaceId, input.customerExternalId ?? '');
    if (!named) throw notFound('Customer', input.customerId ? 'customerId' : 'customerExternalId');
    const customer = await lockParticipant(tx, workspaceId, named.id);
    if (!customer) throw notFound('Customer', 'customerId');
    const existing = await lockJobByExternalId(tx, workspaceId, input.externalId);
    if (existing && existing.customerId !== customer.id) {
      throw new AppError('already_exists', `Job ${input.externalId} was recorded for another customer.`, {
        field: 'externalId',
      });
    }
    const score = input.satisfactionScore ?? null;
    if (existing?.satisfactionScore != null && score !== null && score !== existing.satisfactionScore) {
      throw new AppError(
        'already_exists',
        `Job ${input.externalId} was already scored ${existing.satisfactionScore}; a score is recorded once.`,
        { field: 'satisfactionScore' },
      );
    }
    // A replay, or a post that adds nothing new: answer what is recorded.
    if (existing && (score === null || existing.satisfactionScore !== null)) return { row: existing, created: false };

    const completedAt = existing?.completedAt ?? (input.completedAt ? new Date(input.completedAt) : at);
    const program = await getDefaultProgram(tx, workspaceId);
    const rules = await currentRules(tx, workspaceId, program.id);
    const workspace = await getWorkspaceOrThrow(tx, workspaceId);
    const last = await latestInvitationOf(tx, workspaceId, customer.id);
    const outcome = decideInvitation({
      score,
      completedAt,
      rules,
      lastInvitedAt: last?.createdAt ?? null,
      window: sendWindowOf(workspace),
      now: at,
    });
    const decision = outcome.invite ? 'invited' : outcome.decision;
    let row: JobRow | undefined;
    if (existing) {
      [row] = await tx
        .update(jobs)
        .set({ satisfactionScore: score, scoredAt: at, inviteDecision: decision, updatedAt: at })
        .where(and(eq(jobs.workspaceId, workspaceId), eq(jobs.id, existing.id)))
        .returning();
    } else {
      [row] = await tx
        .insert(jobs)
        .values({
          workspaceId,
          id: newId('job', at.getTime()),
          externalId: input.externalId,
          customerId: customer.id,
          completedAt,
          satisfactionScore: score,
          scoredAt: score === null ? null : at,
          inviteDecision: decision,
          createdBy: actor.id,
          createdAt: at,
          updatedAt: at,
        })
        .returning();
    }
    if (!row) throw new Error('job write returned nothing');
    await recordAudit(tx, actor, at, {
      action: existing ? 'job.scored' : 'job.recorded',
      objectType: 'job',
      objectId: row.id,
      after: {
        externalId: row.externalId,
        customerId: customer.id,
        satisfactionScore: score,
        invitation: decision,
        ...(outcome.invite ? {} : { why: outcome.detail }),
      },
    });
    if (outcome.invite) {
      await queueInvitation(tx, {
        workspace,
        jobId: row.id,
        customer,
        channel: rules.inviteChannel,
        sendAfter: outcome.sendAfter,
        publicUrl: deps.publicUrl,
        actor,
        at,
      });
    }
    return { row, created: !existing };
  });
  return { created, job: await presentJob(deps, row) };
}

async function presentJob(deps: Deps, row: JobRow): Promise<Job> {
  const invitation = await invitationOfJob(deps.db, row.workspaceId, row.id);
  const sent = invitation ? await invitationMessages(deps.db, invitation) : [];
  return {
    id: row.id,
    externalId: row.externalId,
    customerId: row.customerId,
    completedAt: row.completedAt.toISOString(),
    satisfactionScore: row.satisfactionScore,
    invitation: {
      decision: row.inviteDecision as Job['invitation']['decision'],
      invitationId: invitation?.id ?? null,
      sendAfter: invitation?.sendAfter.toISOString() ?? null,
      messages: sent,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
