import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { programRules, programs, rewardPolicies } from '../db/schema.js';
import { AppError } from '../shared/errors.js';

export type PolicyRow = typeof rewardPolicies.$inferSelect;
export type RulesRow = typeof programRules.$inferSelect;
export type ProgramRow = typeof programs.$inferSelect;

export async function getDefaultProgram(db: Executor, workspaceId: string, lock = false): Promise<ProgramRow> {
  const query = db
    .select()
    .from(programs)
    .where(and(eq(programs.workspaceId, workspaceId), eq(programs.isDefault, true)));
  const rows = lock ? await query.for('update') : await query;
  if (!rows[0]) throw new AppError('internal', 'The workspace has no default program.');
  return rows[0];
}

export async function currentPolicy(db: Executor, workspaceId: string, programId: string): Promise<PolicyRow> {
  const rows = await db
    .select()
    .from(rewardPolicies)
    .where(and(eq(rewardPolicies.workspaceId, workspaceId), eq(rewardPolicies.programId, programId)))
    .orderBy(desc(rewardPolicies.version))
    .limit(1);
  if (!rows[0]) throw new AppError('internal', 'The program has no reward policy.');
  return rows[0];
}

export async function policyVersion(db: Executor, workspaceId: string, programId: string, version: number) {
  const rows = await db
    .select()
    .from(rewardPolicies)
    .where(
      and(
        eq(rewardPolicies.workspaceId, workspaceId),
        eq(rewardPolicies.programId, programId),
        eq(rewardPolicies.version, version),
      ),
    );
  return rows[0];
}

export async function currentRules(db: Executor, workspaceId: string, programId: string): Promise<RulesRow> {
  const rows = await db
    .select()
    .from(programRules)
    .where(and(eq(programRules.workspaceId, workspaceId), eq(programRules.programId, programId)))
    .orderBy(desc(programRules.version))
    .limit(1);
  if (!rows[0]) throw new AppError('internal', 'The program has no rules.');
  return rows[0];
}

export async function rulesVersion(db: Executor, workspaceId: string, programId: string, version: number) {
  const rows = await db
    .select()
    .from(programRules)
    .where(
      and(
        eq(programRules.workspaceId, workspaceId),
        eq(programRules.programId, programId),
        eq(programRules.version, version),
      ),
    );
  return rows[0];
}
