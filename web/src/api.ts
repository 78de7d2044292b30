/**
 * The web app's API client. Types come from the server's zod contract (type-only imports, erased
 * at build time), so the screens and the API cannot drift apart.
 */

import type { z } from 'zod';
import type { ApiKey, ApiKeyList, CreatedApiKey, Me, User, UserList } from '../../src/access/access.schema.js';
import type { ApprovalItem } from '../../src/approvals/approval.schema.js';
import type { ConversionResult } from '../../src/conversions/conversion.schema.js';
import type { Dispute } from '../../src/disputes/dispute.schema.js';
import type { describeReferral } from '../../src/eligibility/eligibility.types.js';
import type { ImportResult } from '../../src/imports/import.schema.js';
import type {
  MessageTemplate,
  MessageTemplateList,
  MessageView,
  MessageViewList,
  OutboxStatus,
} from '../../src/messaging/messaging.schema.js';
import type { Participant } from '../../src/participants/participant.schema.js';
import type { ProgramRules, RewardPolicy } from '../../src/policy/policy.schema.js';
import type { Referral } from '../../src/referrals/referral.schema.js';
import type { Dashboard, EligibilityAccuracyReport } from '../../src/reports/report.schema.js';
import type { Reward, RewardCounts, RewardDetail } from '../../src/rewards/reward.schema.js';
import type { pageSchema } from '../../src/shared/schemas.js';
import type { WorkspaceSettings } from '../../src/workspaces/workspace.schema.js';

export type {
  ApiKey,
  ApiKeyList,
  ApprovalItem,
  ConversionResult,
  CreatedApiKey,
  Dashboard,
  Dispute,
  EligibilityAccuracyReport,
  ImportResult,
  Me,
  MessageTemplate,
  MessageTemplateList,
  MessageView,
  MessageViewList,
  OutboxStatus,
  Participant,
  ProgramRules,
  Referral,
  Reward,
  RewardCounts,
  RewardDetail,
  RewardPolicy,
  User,
  UserList,
  WorkspaceSettings,
};
export type Conversion = ConversionResult['conversion'];
/** A referral competing for a disputed claim, as the attribution check records it in the flag's evidence. */
export type CompetingReferral = ReturnType<typeof describeReferral>;
/** One page of a cursor-paged list, as the server's `pageSchema` answers it. */
export type Page<T> = z.infer<ReturnType<typeof pageSchema<z.ZodType<T>>>>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

/** A CSV file posted as it is (the imports take text/csv, not JSON). */
export async function postCsv<T>(path: string, csv: string): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body: csv,
    }),
  );
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? 'error', data?.detail ?? response.statusText, data?.field);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
