/**
 * The web app's API client. Types come from the server's zod contract (type-only imports, erased
 * at build time), so the screens and the API cannot drift apart.
 */

import type { ConversionResult } from '../../src/conversions/conversion.schema.js';
import type { Dispute } from '../../src/disputes/dispute.schema.js';
import type { Participant } from '../../src/participants/participant.schema.js';
import type { ProgramRules, RewardPolicy } from '../../src/policy/policy.schema.js';
import type { Referral } from '../../src/referrals/referral.schema.js';
import type { Reward, RewardDetail } from '../../src/rewards/reward.schema.js';

export type { ConversionResult, Dispute, Participant, ProgramRules, Referral, Reward, RewardDetail, RewardPolicy };
export type Conversion = ConversionResult['conversion'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  actor: { type: string; id: string; name: string; role: 'owner' | 'finance' | 'staff' | 'viewer' };
  workspace: { id: string; name: string; slug: string };
}

export interface ApprovalItem {
  reward: Reward;
  checks: {
    check: string;
    label?: string;
    passed: boolean;
    skipped?: boolean;
    blocking?: boolean;
    reason: string;
    evidence: Record<string, unknown>;
  }[];
  fraudSignals: { signal: string; points: number; detail: string }[];
  canApprove: boolean;
  blockers: string[];
}

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
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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
