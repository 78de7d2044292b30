/**
 * The data model. Every table leads with `workspace_id` (a tenant), primary and foreign keys
 * include it, so a Citus-style distributed PostgreSQL can shard by workspace, and no query can
 * reach another tenant's row through a join. Invariants that matter for money live here as
 * constraints; the triggers that complete them (transition rules, append-only audit) are in the
 * custom migration `drizzle/0001_invariants.sql`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { CREDIT_ENTRY_KINDS } from '../credits/credit.core.js';
import { DISCOUNT_CODE_SOURCES, DISCOUNT_CODE_STATUSES } from '../discount-codes/discount-code.core.js';
import { FLAG_TYPES, RECOMMENDATIONS } from '../eligibility/flag.core.js';
import { FULFILMENT_ORDER_STATUSES, FULFILMENT_PROVIDERS } from '../fulfilment/fulfilment.core.js';
import {
  INTEGRATION_EVENT_STATUSES,
  INTEGRATION_PROVIDERS,
  type IntegrationEventStatus,
  type IntegrationProvider,
} from '../integrations/integration.core.js';
import { CHANNELS, SKIP_REASONS } from '../messaging/consent.core.js';
import { MESSAGE_STATUSES } from '../messaging/message-status.core.js';
import { MESSAGE_KINDS } from '../messaging/templates.core.js';
import { PAYOUT_BATCH_STATUSES, type PayoutBatchStatus } from '../payouts/payout-batch.core.js';
import {
  DEFAULT_TAX_THRESHOLD,
  DEFAULT_TAXABLE_REWARD_TYPES,
  TAX_FORM_TYPES,
  type TaxFormType,
} from '../payouts/tax.core.js';
import { REWARD_TYPES, type RewardType, THANK_CHANNELS } from '../policy/policy.core.js';
import type { MakerReason } from '../rewards/approval.core.js';
import { REWARD_STATUSES } from '../rewards/lifecycle.core.js';
import { ACTOR_TYPES } from '../shared/actor.js';
import {
  CONVERSION_TYPES,
  PARTICIPANT_KINDS,
  type REFERRED_REWARD_WHEN,
  REWARD_KINDS,
  ROLES,
} from '../shared/vocabulary.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-event.core.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const money = (name: string) => bigint(name, { mode: 'number' });

// Each closed list is written once, in the core that decides with it; the enums are built from it.
export const roleEnum = pgEnum('role', ROLES);
export const participantKindEnum = pgEnum('participant_kind', PARTICIPANT_KINDS);
export const referralSourceEnum = pgEnum('referral_source', ['link', 'code', 'manual', 'import']);
export const conversionTypeEnum = pgEnum('conversion_type', CONVERSION_TYPES);
export const rewardTypeEnum = pgEnum('reward_type', REWARD_TYPES);
export const thankChannelEnum = pgEnum('thank_channel', THANK_CHANNELS);
export const rewardStatusEnum = pgEnum('reward_status', REWARD_STATUSES);
export const rewardKindEnum = pgEnum('reward_kind', REWARD_KINDS);
export const recommendationEnum = pgEnum('recommendation', RECOMMENDATIONS);
export const flagTypeEnum = pgEnum('flag_type', FLAG_TYPES);
export const actorTypeEnum = pgEnum('actor_type', ACTOR_TYPES);
export const messageChannelEnum = pgEnum('message_channel', CHANNELS);
export const messageKindEnum = pgEnum('message_kind', MESSAGE_KINDS);
export const messageStatusEnum = pgEnum('message_status', MESSAGE_STATUSES);
export const skipReasonEnum = pgEnum('skip_reason', SKIP_REASONS);
export const signalKindEnum = pgEnum('signal_kind', ['ip', 'device', 'payment_fingerprint']);
export const disputeStatusEnum = pgEnum('dispute_status', ['open', 'resolved']);
export const recoveryKindEnum = pgEnum('recovery_kind', ['clawback', 'recovery', 'review']);
export const taskStatusEnum = pgEnum('task_status', ['open', 'done', 'waived']);
export const webhookEventTypeEnum = pgEnum('webhook_event_type', WEBHOOK_EVENT_TYPES);
export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', WEBHOOK_DELIVERY_STATUSES);

export const workspaces = pgTable(
  'workspaces',
  {
    id: text('id').primaryKey(),
    /** Need not be unique: telling an owner a name is taken would tell them another workspace exists. */
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    senderName: text('sender_name'),
    companyName: text('company_name'),
    /** Region for phone numbers written without a country code. */
    defaultCountry: text('default_country').notNull().default('US'),
    /** Staff addresses told when a reward is ready to send. */
    notifyEmails: text('notify_emails').array().notNull().default(sql`'{}'::text[]`),
    smsDailyCap: integer('sms_daily_cap').notNull().default(3),
    /** Send the referrer a "reward issued" notice when a reward is marked sent (besides the thank-you). */
    notifyRewardIssued: boolean('notify_reward_issued').notNull().default(false),
    /** Signs unsubscribe links; never leaves the server. */
    signingSecret: text('signing_secret').notNull(),
    /** IANA zone the send window is read in (e.g. America/Chicago). */
    timeZone: text('time_zone').notNull().default('UTC'),
    /** Invitations and thank-yous go out only between these local minutes of the day (null: any time). */
    sendWindowStart: smallint('send_window_start'),
    sendWindowEnd: smallint('send_window_end'),
    /** Serves /leaderboard/{slug} (opted-in participants only) when on. */
    publicLeaderboard: boolean('public_leaderboard').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    check(
      'workspaces_send_window_ck',
      sql`(${t.sendWindowStart} is null) = (${t.sendWindowEnd} is null)
    and (${t.sendWindowStart} is null or (${t.sendWindowStart} between 0 and 1439 and ${t.sendWindowEnd} between 1 and 1440 and ${t.sendWindowStart} <> ${t.sendWindowEnd}))`,
    ),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    /** SHA-256 of the key; the key itself is shown once and never stored. */
    keyHash: text('key_hash').notNull(),
    keyPrefix: text('key_prefix').notNull(),
    createdBy: text('created_by'),
    /**
     * The person the key acts for in maker-checker: the user it was made for, the person behind
     * the credential that minted it (a key minted through a key is the same person), or the key
     * itself when the system or the CLI made it. Never a new person minted by a key.
     */
    personId: text('person_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // Serves authentication: every request looks its key up by hash.
    uniqueIndex('api_keys_key_hash_uq').on(t.keyHash),
  ],
);

export const users = pgTable(
  'users',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    disabledAt: ts('disabled_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // Serves sign-in by email; one account per address in a workspace.
    uniqueIndex('users_email_uq').on(t.workspaceId, sql`lower(${t.email})`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.userId], foreignColumns: [users.workspaceId, users.id] }),
    // Serves authentication of the web app's cookie.
    uniqueIndex('sessions_token_hash_uq').on(t.tokenHash),
  ],
);

export const programs = pgTable(
  'programs',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('programs_one_default_uq').on(t.workspaceId).where(sql`${t.isDefault}`),
  ],
);

export interface TierRow {
  fromReferral: number;
  amount?: number | undefined;
  commissionRateBps?: number | undefined;
}

export interface ReferredRewardRow {
  rewardType: RewardType;
  amount: number;
  when: (typeof REFERRED_REWARD_WHEN)[number];
  description?: string | null | undefined;
}

export interface MilestoneRow {
  atReferral: number;
  amount: number;
  /** The bonus's type; the policy's own when not given (a commission program must name one). */
  rewardType?: RewardType | undefined;
  description?: string | null | undefined;
}

/** Versioned: an update inserts version n+1; a claim keeps the version it was computed with. */
export const rewardPolicies = pgTable(
  'reward_policies',
  {
    workspaceId: text('workspace_id').notNull(),
    programId: text('program_id').notNull(),
    version: integer('version').notNull(),
    rewardType: rewardTypeEnum('reward_type').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    commissionRateBps: integer('commission_rate_bps'),
    discountPercent: integer('discount_percent'),
    description: text('description'),
    provider: text('provider'),
    autoThank: boolean('auto_thank').notNull(),
    thankChannel: thankChannelEnum('thank_channel').notNull(),
    tiers: jsonb('tiers').$type<TierRow[]>().notNull(),
    /** Gift cards are ordered from the connected provider (Tremendous) once approved. */
    autoFulfil: boolean('auto_fulfil').notNull().default(false),
    /** Discount codes: generated on approval, or taken from the uploaded pool. */
    codeSource: text('code_source').notNull().default('generated'),
    codePrefix: text('code_prefix'),
    /** Discount codes: how long a code is valid once given (null: no expiry unless the pool's line says). */
    codeValidDays: integer('code_valid_days'),
    /** Double-sided programs: what the referred person gets, and when (policy.core ReferredRewardTerms). */
    referredReward: jsonb('referred_reward').$type<ReferredRewardRow>(),
    /** Bonuses when a referrer's converted referrals reach a number (policy.core MilestoneTerms). */
    milestones: jsonb('milestones').$type<MilestoneRow[]>().notNull().default([]),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.programId, t.version] }),
    foreignKey({ columns: [t.workspaceId, t.programId], foreignColumns: [programs.workspaceId, programs.id] }),
    check('reward_policies_amount_ck', sql`${t.amount} >= 0 and ${t.amount} <= 1000000000000`),
    check('reward_policies_rate_ck', sql`${t.commissionRateBps} is null or ${t.commissionRateBps} between 0 and 10000`),
    check(
      'reward_policies_commission_ck',
      sql`${t.rewardType} <> 'commission_share' or ${t.commissionRateBps} is not null`,
    ),
    check('reward_policies_code_source_ck', sql`${t.codeSource} in ('generated', 'pool')`),
    check(
      'reward_policies_code_valid_days_ck',
      sql`${t.codeValidDays} is null or ${t.codeValidDays} between 1 and 3650`,
    ),
  ],
);

/** Versioned like the policy; a claim records the rules version it was judged by. */
export const programRules = pgTable(
  'program_rules',
  {
    workspaceId: text('workspace_id').notNull(),
    programId: text('program_id').notNull(),
    version: integer('version').notNull(),
    qualifyingTypes: conversionTypeEnum('qualifying_types').array().notNull(),
    /** The currency of the rules' amounts: minimum, auto-approval limit, two-approver threshold. */
    currency: text('currency').notNull().default('USD'),
    minAmount: money('min_amount').notNull().default(0),
    holdDays: integer('hold_days').notNull().default(0),
    allowedReferrerKinds: participantKindEnum('allowed_referrer_kinds').array().notNull(),
    capPerMonth: integer('cap_per_month'),
    capLifetime: integer('cap_lifetime'),
    startsAt: ts('starts_at'),
    endsAt: ts('ends_at'),
    termsText: text('terms_text').notNull(),
    termsVersion: text('terms_version').notNull(),
    autoApproveEnabled: boolean('auto_approve_enabled').notNull().default(false),
    autoApproveMaxAmount: money('auto_approve_max_amount'),
    /** The owner whose opt-in is the recorded approval of auto-approved claims. */
    autoApproveEnabledBy: text('auto_approve_enabled_by'),
    twoApproversAbove: money('two_approvers_above'),
    velocityWindowHours: integer('velocity_window_hours').notNull().default(24),
    velocityMaxReferrals: integer('velocity_max_referrals').notNull().default(10),
    velocityMaxConversions: integer('velocity_max_conversions').notNull().default(5),
    /** A completed job scored at or above this invites the customer to refer (1-5). */
    inviteMinScore: smallint('invite_min_score').notNull().default(4),
    inviteChannel: thankChannelEnum('invite_channel').notNull().default('sms'),
    inviteCooldownDays: integer('invite_cooldown_days').notNull().default(90),
    inviteDelayHours: integer('invite_delay_hours').notNull().default(0),
    /** The day of the month the scheduler drafts the payout batch (null: no monthly run). */
    payoutDayOfMonth: smallint('payout_day_of_month'),
    /** Paid-out rewards a payee may get in a calendar year without a tax form on file. */
    taxThresholdAmount: money('tax_threshold_amount').notNull().default(DEFAULT_TAX_THRESHOLD.amount),
    taxThresholdCurrency: text('tax_threshold_currency').notNull().default(DEFAULT_TAX_THRESHOLD.currency),
    taxableRewardTypes: rewardTypeEnum('taxable_reward_types')
      .array()
      .notNull()
      .default(sql.raw(`'{${DEFAULT_TAXABLE_REWARD_TYPES.join(',')}}'::reward_type[]`)),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.programId, t.version] }),
    foreignKey({ columns: [t.workspaceId, t.programId], foreignColumns: [programs.workspaceId, programs.id] }),
    check('program_rules_hold_ck', sql`${t.holdDays} between 0 and 365`),
    check('program_rules_payout_day_ck', sql`${t.payoutDayOfMonth} is null or ${t.payoutDayOfMonth} between 1 and 31`),
    check(
      'program_rules_tax_threshold_ck',
      sql`${t.taxThresholdAmount} >= 0 and ${t.taxThresholdAmount} <= 1000000000000`,
    ),
    check(
      'program_rules_invite_ck',
      sql`${t.inviteMinScore} between 1 and 5 and ${t.inviteCooldownDays} between 0 and 3650 and ${t.inviteDelayHours} between 0 and 720`,
    ),
    check(
      'program_rules_auto_approve_ck',
      sql`not ${t.autoApproveEnabled} or (${t.autoApproveMaxAmount} is not null and ${t.autoApproveEnabledBy} is not null)`,
    ),
  ],
);

export const participants = pgTable(
  'participants',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    /** Email folded for matching: case, gmail dots and +tags (self-referral check). */
    emailNormalized: text('email_normalized'),
    phone: text('phone'),
    kind: participantKindEnum('kind').notNull(),
    externalId: text('external_id'),
    emailMarketingConsent: boolean('email_marketing_consent').notNull().default(false),
    smsMarketingConsent: boolean('sms_marketing_consent').notNull().default(false),
    doNotContact: boolean('do_not_contact').notNull().default(false),
    address: text('address'),
    referralCode: text('referral_code').notNull(),
    /** How the participant became known (api, web app, referral link, import...) and by whom: the
     * evidence when a link or code later claims someone who was already a customer. */
    createdVia: text('created_via').notNull().default('api'),
    /** Shown on the public leaderboard (shortened name only) when true. */
    leaderboardOptIn: boolean('leaderboard_opt_in').notNull().default(false),
    /** Which tax form finance has on file and when it came (never the tax id itself). */
    taxFormType: text('tax_form_type').$type<TaxFormType>(),
    taxFormReceivedAt: ts('tax_form_received_at'),
    /** The private page /p/{token}: unguessable (a v4 UUID's 122 random bits, 32 hex digits), rotatable by staff. */
    pageToken: text('page_token').notNull().default(sql`replace(gen_random_uuid()::text, '-', '')`),
    createdBy: text('created_by'),
    createdByName: text('created_by_name'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // Codes are permanent and never reused: participants are never deleted, so the index holds
    // every code ever issued. Serves the landing page's lookup by code.
    uniqueIndex('participants_referral_code_uq').on(t.workspaceId, t.referralCode),
    // Serves conversions that name the customer by the CRM's id.
    uniqueIndex('participants_external_id_uq').on(t.workspaceId, t.externalId).where(sql`${t.externalId} is not null`),
    // Serves "find participant by email" when leads arrive through the landing page.
    index('participants_email_idx').on(t.workspaceId, t.emailNormalized),
    // Serves "find participant by phone" for leads that leave only a phone number.
    index('participants_phone_idx').on(t.workspaceId, t.phone),
    // Serves the participants export, oldest first, in keyset pages.
    index('participants_created_idx').on(t.workspaceId, t.createdAt, t.id),
    check(
      'participants_tax_form_ck',
      sql`(${t.taxFormType} is null) = (${t.taxFormReceivedAt} is null)
        and (${t.taxFormType} is null or ${t.taxFormType} in (${sql.raw(TAX_FORM_TYPES.map((type) => `'${type}'`).join(', '))}))`,
    ),
    uniqueIndex('participants_page_token_uq').on(t.workspaceId, t.pageToken),
    // Serves the referrer's page, found by its token before the workspace is known.
    index('participants_page_token_idx').on(t.pageToken),
    // Serves participant search (`ilike '%q%'` on each of these, or-ed): trigrams find the few
    // matches without reading every participant (pg_trgm, migration 0008).
    index('participants_search_trgm_idx').using(
      'gin',
      t.name.op('gin_trgm_ops'),
      t.email.op('gin_trgm_ops'),
      t.referralCode.op('gin_trgm_ops'),
      t.externalId.op('gin_trgm_ops'),
      t.phone.op('gin_trgm_ops'),
    ),
  ],
);

/** Identity signals seen for a participant: link-click IPs and devices, payment fingerprints. */
export const participantSignals = pgTable(
  'participant_signals',
  {
    workspaceId: text('workspace_id').notNull(),
    participantId: text('participant_id').notNull(),
    kind: signalKindEnum('kind').notNull(),
    value: text('value').notNull(),
    source: text('source').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.participantId, t.kind, t.value] }),
    foreignKey({
      columns: [t.workspaceId, t.participantId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
  ],
);

export interface ReferralEvidence {
  note?: string | undefined;
  ip?: string | undefined;
  deviceId?: string | undefined;
  userAgent?: string | undefined;
  url?: string | undefined;
  clickId?: string | undefined;
  form?: Record<string, string> | undefined;
}

export const referrals = pgTable(
  'referrals',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    referrerId: text('referrer_id').notNull(),
    referredId: text('referred_id').notNull(),
    source: referralSourceEnum('source').notNull(),
    evidence: jsonb('evidence').$type<ReferralEvidence>().notNull(),
    referredAt: ts('referred_at').notNull(),
    createdBy: text('created_by').notNull(),
    createdByName: text('created_by_name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** A wrongly logged referral is voided, never deleted: kept for the audit, out of every count. */
    voidedAt: ts('voided_at'),
    voidedBy: text('voided_by'),
    voidedByName: text('voided_by_name'),
    voidReason: text('void_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.referrerId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    foreignKey({
      columns: [t.workspaceId, t.referredId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    check('referrals_not_self_ck', sql`${t.referrerId} <> ${t.referredId}`),
    check(
      'referrals_void_ck',
      sql`(${t.voidedAt} is null) = (${t.voidReason} is null) and (${t.voidedAt} is null) = (${t.voidedBy} is null)`,
    ),
    // The same referrer can refer the same person only once.
    uniqueIndex('referrals_pair_uq').on(t.workspaceId, t.referrerId, t.referredId),
    // Serves "who referred this customer?" when a conversion arrives, and dispute detection.
    index('referrals_referred_idx').on(t.workspaceId, t.referredId),
    // Serves a referrer's referrals (participant page, velocity window, counts).
    index('referrals_referrer_idx').on(t.workspaceId, t.referrerId, t.referredAt),
  ],
);

export const linkClicks = pgTable(
  'link_clicks',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    referrerId: text('referrer_id').notNull(),
    ip: text('ip'),
    deviceId: text('device_id'),
    userAgent: text('user_agent'),
    referredId: text('referred_id'),
    landedAt: ts('landed_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.referrerId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    // Serves velocity by IP/device and a referrer's click evidence.
    index('link_clicks_referrer_idx').on(t.workspaceId, t.referrerId, t.landedAt),
    // Serves the clicks that brought a customer in (self-referral evidence on every claim).
    index('link_clicks_referred_idx').on(t.workspaceId, t.referredId).where(sql`${t.referredId} is not null`),
    index('link_clicks_ip_idx').on(t.workspaceId, t.ip, t.landedAt),
  ],
);

/** A completed job (the contractor's close of work), with the customer's satisfaction score. */
export const jobs = pgTable(
  'jobs',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    externalId: text('external_id').notNull(),
    customerId: text('customer_id').notNull(),
    completedAt: ts('completed_at').notNull(),
    satisfactionScore: smallint('satisfaction_score'),
    scoredAt: ts('scored_at'),
    /** What the score decided about an invitation (invited, below_threshold, cooldown, ...). */
    inviteDecision: text('invite_decision').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.customerId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    check('jobs_score_ck', sql`${t.satisfactionScore} is null or ${t.satisfactionScore} between 1 and 5`),
    // Jobs are idempotent by the CRM's id: posting again finds the row.
    uniqueIndex('jobs_external_uq').on(t.workspaceId, t.externalId),
  ],
);

/** One invitation to refer, queued after a satisfied job; its messages are in the outbox. */
export const invitations = pgTable(
  'invitations',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    jobId: text('job_id').notNull(),
    participantId: text('participant_id').notNull(),
    channel: thankChannelEnum('channel').notNull(),
    sendAfter: ts('send_after').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.jobId], foreignColumns: [jobs.workspaceId, jobs.id] }),
    foreignKey({
      columns: [t.workspaceId, t.participantId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    // One invitation per job, however often the job is posted.
    uniqueIndex('invitations_job_uq').on(t.workspaceId, t.jobId),
    // Serves the cooldown: this customer's latest invitation.
    index('invitations_participant_idx').on(t.workspaceId, t.participantId, t.createdAt),
  ],
);

export const conversions = pgTable(
  'conversions',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    type: conversionTypeEnum('type').notNull(),
    /** Null while the CRM's customer id names nobody we know yet; linked when they appear. */
    referredId: text('referred_id'),
    referredExternalId: text('referred_external_id'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    originalExternalId: text('original_external_id'),
    /** For refunds and chargebacks: the conversion reversed, once it is known. */
    reversesConversionId: text('reverses_conversion_id'),
    paymentFingerprint: text('payment_fingerprint'),
    /** Hash of the event's fields: a replay with different data is refused, not merged. */
    requestHash: text('request_hash').notNull(),
    outcome: text('outcome').notNull(),
    /** The answer given when the event was first received; replays get exactly this back. */
    result: jsonb('result').$type<Record<string, unknown>>(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.referredId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    check('conversions_amount_ck', sql`${t.amount} >= 0 and ${t.amount} <= 1000000000000`),
    // Events are idempotent: the same source + external id is the same event.
    uniqueIndex('conversions_external_uq').on(t.workspaceId, t.source, t.externalId),
    // Serves "qualifying events of this customer" (claims, checks, late referrals).
    index('conversions_referred_idx').on(t.workspaceId, t.referredId, t.occurredAt),
    // Serves a refund that arrived before its conversion: found when the conversion arrives.
    index('conversions_original_idx')
      .on(t.workspaceId, t.source, t.originalExternalId)
      .where(sql`${t.originalExternalId} is not null`),
    // Serves conversions waiting for their customer to be created.
    index('conversions_waiting_idx').on(t.workspaceId, t.referredExternalId).where(sql`${t.referredId} is null`),
    // Serves the recent-conversions list.
    index('conversions_received_idx').on(t.workspaceId, t.receivedAt, t.id),
    // Serves "the refunds of this conversion" (every claim's conversion check).
    index('conversions_reverses_idx')
      .on(t.workspaceId, t.reversesConversionId)
      .where(sql`${t.reversesConversionId} is not null`),
  ],
);

export interface CheckResultRow {
  check: string;
  label?: string | undefined;
  passed: boolean;
  reason: string;
  evidence: Record<string, unknown>;
  skipped?: boolean | undefined;
  blocking?: boolean | undefined;
  flag?: string | undefined;
  score?: { signal: string; points: number; detail: string }[] | undefined;
}

export interface AttributionRow {
  referralId: string;
  source: string;
  referredAt: string;
  evidence: ReferralEvidence;
  clicks: number;
}

export interface ApprovalRecordRow {
  kind: 'manual' | 'auto';
  approvers: { id: string; name: string; role: string; at: string }[];
  rulesVersion: number;
  enabledBy?: string | undefined;
}

export const rewards = pgTable(
  'rewards',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    programId: text('program_id').notNull(),
    policyVersion: integer('policy_version').notNull(),
    rulesVersion: integer('rules_version').notNull(),
    termsVersion: text('terms_version').notNull(),
    referralId: text('referral_id').notNull(),
    referrerId: text('referrer_id').notNull(),
    referredId: text('referred_id').notNull(),
    /** Null only for a referred person's reward given at the lead, before any sale. */
    conversionId: text('conversion_id'),
    /**
     * `referral`: the referrer's reward for a converted referral (counts toward tiers, caps and the
     * leaderboard). `referred`: the referred person's own reward (double-sided programs).
     * `milestone`: a referrer's bonus when their converted referrals reached `milestone`.
     */
    kind: rewardKindEnum('kind').notNull().default('referral'),
    /** Who is paid: the referrer, or the referred person for a `referred` reward. */
    payeeId: text('payee_id').notNull(),
    /** A milestone bonus: the number of converted referrals it rewards. */
    milestone: integer('milestone'),
    /** A `referred` or `milestone` reward: the referrer's claim it came with (a lead reward: none). */
    sourceRewardId: text('source_reward_id'),
    ordinal: integer('ordinal').notNull(),
    rewardType: rewardTypeEnum('reward_type').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    summary: text('summary').notNull(),
    calculation: text('calculation').notNull(),
    status: rewardStatusEnum('status').notNull(),
    recommendation: recommendationEnum('recommendation').notNull(),
    fraudScore: integer('fraud_score').notNull().default(0),
    checks: jsonb('checks').$type<CheckResultRow[]>().notNull(),
    attribution: jsonb('attribution').$type<AttributionRow>().notNull(),
    notes: text('notes'),
    createdBy: text('created_by').notNull(),
    createdByName: text('created_by_name').notNull(),
    amountChangedBy: text('amount_changed_by'),
    payeeChangedBy: text('payee_changed_by'),
    holdUntil: ts('hold_until').notNull(),
    /** Bumped when an approved claim goes back to review: approvals of earlier rounds no longer count. */
    reviewRound: integer('review_round').notNull().default(1),
    approvedAt: ts('approved_at'),
    approvalRecord: jsonb('approval_record').$type<ApprovalRecordRow>(),
    sentAt: ts('sent_at'),
    sentBy: text('sent_by'),
    sentByName: text('sent_by_name'),
    sentReference: text('sent_reference'),
    thankedAt: ts('thanked_at'),
    closedAt: ts('closed_at'),
    closedReason: text('closed_reason'),
    /** A discount_code reward's code, given when approved (discount_codes holds its state). */
    discountCode: text('discount_code'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.referralId],
      foreignColumns: [referrals.workspaceId, referrals.id],
    }),
    foreignKey({
      columns: [t.workspaceId, t.conversionId],
      foreignColumns: [conversions.workspaceId, conversions.id],
    }),
    foreignKey({
      columns: [t.workspaceId, t.referrerId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    foreignKey({
      columns: [t.workspaceId, t.referredId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    foreignKey({
      columns: [t.workspaceId, t.payeeId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    // Who a kind of reward pays is not a choice: the referrer, or for `referred` the referred person.
    check(
      'rewards_kind_ck',
      sql`(${t.kind} = 'referred') = (${t.payeeId} = ${t.referredId} and ${t.payeeId} <> ${t.referrerId})
        and (${t.kind} = 'referred' or ${t.payeeId} = ${t.referrerId})
        and (${t.kind} = 'milestone') = (${t.milestone} is not null)
        and (${t.kind} = 'referral') = (${t.sourceRewardId} is null and ${t.conversionId} is not null)
        and (${t.kind} <> 'milestone' or ${t.sourceRewardId} is not null)`,
    ),
    foreignKey({
      columns: [t.workspaceId, t.programId, t.policyVersion],
      foreignColumns: [rewardPolicies.workspaceId, rewardPolicies.programId, rewardPolicies.version],
    }),
    foreignKey({
      columns: [t.workspaceId, t.programId, t.rulesVersion],
      foreignColumns: [programRules.workspaceId, programRules.programId, programRules.version],
    }),
    check('rewards_amount_ck', sql`${t.amount} >= 0 and ${t.amount} <= 1000000000000`),
    check('rewards_fraud_score_ck', sql`${t.fraudScore} between 0 and 100`),
    // Eligibility accuracy by construction: nothing is sent without attribution evidence, a
    // qualifying event, program terms, the checks, a payout calculation and an approval record.
    check(
      'rewards_sent_has_evidence_ck',
      sql`${t.sentAt} is null or (${t.approvedAt} is not null and ${t.approvalRecord} is not null
        and length(${t.calculation}) > 0 and jsonb_array_length(${t.checks}) > 0
        and length(${t.termsVersion}) > 0 and ${t.attribution} ? 'referralId')`,
    ),
    check(
      'rewards_status_dates_ck',
      sql`(${t.status} not in ('sent', 'thanked') or ${t.sentAt} is not null)
        and (${t.status} <> 'thanked' or ${t.thankedAt} is not null)
        and (${t.status} <> 'pending' or ${t.approvedAt} is not null)`,
    ),
    // One reward per referred customer per program, whoever referred them. A reversed claim
    // (refunded before it was paid) frees the place for a later purchase.
    // The referred person's own reward: once per person and program too.
    uniqueIndex('rewards_one_per_referred_uq')
      .on(t.workspaceId, t.programId, t.kind, t.referredId)
      .where(sql`${t.status} <> 'reversed' and ${t.kind} <> 'milestone'`),
    // The same conversion never pays twice (a milestone bonus rides on the claim that reached it).
    uniqueIndex('rewards_one_per_conversion_uq')
      .on(t.workspaceId, t.programId, t.kind, t.conversionId)
      .where(sql`${t.status} <> 'reversed' and ${t.kind} <> 'milestone'`),
    // Each milestone pays a referrer once (again only if the bonus was voided with its claim).
    uniqueIndex('rewards_one_per_milestone_uq')
      .on(t.workspaceId, t.programId, t.referrerId, t.milestone)
      .where(sql`${t.status} <> 'reversed' and ${t.kind} = 'milestone'`),
    // Serves a refund: the claims of its sale, whatever their kind and status (the unique index
    // above holds only live referral claims; without this one a refund read every reward).
    index('rewards_conversion_idx').on(t.workspaceId, t.conversionId),
    // Serves the queue tabs: status filter, newest first.
    index('rewards_status_idx').on(t.workspaceId, t.status, t.createdAt, t.id),
    // Serves the queue without a filter, newest first.
    index('rewards_created_idx').on(t.workspaceId, t.createdAt, t.id),
    // Serves tier ordinals and caps (a referrer's claims) and the participant page.
    index('rewards_referrer_idx').on(t.workspaceId, t.referrerId, t.createdAt),
    // Serves payouts, tax totals and a payee's page when the payee is the referred person.
    index('rewards_payee_idx').on(t.workspaceId, t.payeeId, t.createdAt),
    // Serves the eligibility-accuracy report's rows: the part of a day a period's bound cuts, and
    // the days the rollups say hold a reward lacking evidence (reports/report.repo.ts).
    index('rewards_sent_idx').on(t.workspaceId, t.sentAt).where(sql`${t.sentAt} is not null`),
  ],
);

export const rewardFlags = pgTable(
  'reward_flags',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    rewardId: text('reward_id').notNull(),
    type: flagTypeEnum('type').notNull(),
    reason: text('reason').notNull(),
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
    resolvedAt: ts('resolved_at'),
    resolvedBy: text('resolved_by'),
    resolvedByName: text('resolved_by_name'),
    resolution: text('resolution'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    check(
      'reward_flags_resolution_ck',
      sql`(${t.resolvedAt} is null) = (${t.resolution} is null) and (${t.resolvedAt} is null) = (${t.resolvedBy} is null)`,
    ),
    // Flags never vanish silently; at most one open flag of a type per claim.
    uniqueIndex('reward_flags_open_uq').on(t.workspaceId, t.rewardId, t.type).where(sql`${t.resolvedAt} is null`),
    index('reward_flags_reward_idx').on(t.workspaceId, t.rewardId),
  ],
);

/**
 * What the reports and tab counts read instead of the rewards: each reward's contribution to a few
 * measures, summed per (workspace, measure, day, status, currency, bucket). Kept by the database
 * triggers `reward_rollups_*` (migration 0008) in the transaction that writes the reward or its
 * flags, and rebuilt from the rows by `rewardloop rollups rebuild`. Measures:
 *   created        day created; bucket = marks (1 approved or sent, 2 sent, 4 flagged, 8 disputed,
 *                  16 duplicate, 32 partner exception); amount = the reward's
 *   revenue        day created; currency and amount of the reward's conversion
 *   approved       day approved
 *   sent           day sent; bucket 1 when the reward lacks an evidence criterion
 *   hours_to_sent  day created; bucket = hours from sale to sent, in tenths (coarser past 10 days)
 *   all_time       day -infinity: the tab counts
 * `shard` spreads concurrent writers over a few rows (the backend's pid): readers sum over it.
 */
export const rewardRollups = pgTable(
  'reward_rollups',
  {
    workspaceId: text('workspace_id').notNull(),
    measure: text('measure').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    status: rewardStatusEnum('status').notNull(),
    currency: text('currency').notNull(),
    bucket: integer('bucket').notNull(),
    shard: smallint('shard').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
    amount: money('amount').notNull(),
  },
  (t) => [
    // Serves every read: one workspace's measure over a range of days.
    primaryKey({ columns: [t.workspaceId, t.measure, t.day, t.status, t.currency, t.bucket, t.shard] }),
    check(
      'reward_rollups_measure_ck',
      sql`${t.measure} in ('created', 'revenue', 'approved', 'sent', 'hours_to_sent', 'all_time')`,
    ),
  ],
);

export const rewardApprovals = pgTable(
  'reward_approvals',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    rewardId: text('reward_id').notNull(),
    approverId: text('approver_id').notNull(),
    approverName: text('approver_name').notNull(),
    approverRole: text('approver_role').notNull(),
    kind: text('kind').$type<'manual' | 'auto'>().notNull(),
    rulesVersion: integer('rules_version').notNull(),
    round: integer('round').notNull(),
    note: text('note'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    // Two-person sign-off needs two different people: one approval per person per review round.
    uniqueIndex('reward_approvals_once_uq').on(t.workspaceId, t.rewardId, t.round, t.approverId),
  ],
);

/**
 * Everyone who made a claim what it is: created it, changed its amount or payee, authored a
 * partner exception that shaped it. None of them may approve it, in any review round (the
 * trigger `reward_approvals_guard` in migration 0003 refuses such an approval whatever the code).
 */
export const rewardMakers = pgTable(
  'reward_makers',
  {
    workspaceId: text('workspace_id').notNull(),
    rewardId: text('reward_id').notNull(),
    makerId: text('maker_id').notNull(),
    makerName: text('maker_name').notNull(),
    reason: text('reason').$type<MakerReason>().notNull(),
    /** The review round the change started (or the round it was made in). */
    round: integer('round').notNull(),
    detail: text('detail'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    // One row per person, reason and round; also serves "is this approver a maker of this claim".
    primaryKey({ columns: [t.workspaceId, t.rewardId, t.makerId, t.reason, t.round] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
  ],
);

export const disputes = pgTable(
  'disputes',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    referredId: text('referred_id').notNull(),
    rewardId: text('reward_id'),
    status: disputeStatusEnum('status').notNull(),
    openedBy: text('opened_by').notNull(),
    openedByName: text('opened_by_name').notNull(),
    reason: text('reason').notNull(),
    winningReferralId: text('winning_referral_id'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    resolvedByName: text('resolved_by_name'),
    resolvedAt: ts('resolved_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.referredId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    check(
      'disputes_resolution_ck',
      sql`${t.status} = 'open' or (${t.winningReferralId} is not null and ${t.resolution} is not null and ${t.resolvedAt} is not null)`,
    ),
    // One open case per referred customer.
    uniqueIndex('disputes_open_uq').on(t.workspaceId, t.referredId).where(sql`${t.status} = 'open'`),
    index('disputes_created_idx').on(t.workspaceId, t.createdAt),
    // Serves "the latest dispute about this customer" (every claim's attribution check).
    index('disputes_referred_idx').on(t.workspaceId, t.referredId, t.createdAt),
  ],
);

export const partnerExceptions = pgTable(
  'partner_exceptions',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    participantId: text('participant_id').notNull(),
    commissionRateBps: integer('commission_rate_bps'),
    amount: money('amount'),
    excludedChecks: text('excluded_checks').array().notNull().default(sql`'{}'::text[]`),
    owner: text('owner').notNull(),
    reason: text('reason').notNull(),
    expiresAt: ts('expires_at').notNull(),
    /** The author's name, as shown; `createdById` is who they are, for maker-checker. */
    createdBy: text('created_by').notNull(),
    createdById: text('created_by_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.participantId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    check(
      'partner_exceptions_rate_ck',
      sql`${t.commissionRateBps} is null or ${t.commissionRateBps} between 0 and 10000`,
    ),
    index('partner_exceptions_participant_idx').on(t.workspaceId, t.participantId),
  ],
);

export const recoveryTasks = pgTable(
  'recovery_tasks',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    rewardId: text('reward_id').notNull(),
    /** The event the task answers; none for a reward given at the lead and taken back with its referral. */
    conversionId: text('conversion_id'),
    kind: recoveryKindEnum('kind').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    status: taskStatusEnum('status').notNull().default('open'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
    resolvedAt: ts('resolved_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    // A refund event creates at most one task for a reward, however often it is replayed.
    uniqueIndex('recovery_tasks_once_uq').on(t.workspaceId, t.rewardId, t.conversionId),
  ],
);

/**
 * The outbox. Rows are written in the same transaction as the change that causes them, so a
 * rolled-back change sends nothing; the dispatcher delivers them at least once, and the row id
 * is the provider's idempotency key so the provider sees at most one delivery.
 */
export const messages = pgTable(
  'messages',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    rewardId: text('reward_id'),
    participantId: text('participant_id'),
    kind: messageKindEnum('kind').notNull(),
    channel: messageChannelEnum('channel').notNull(),
    status: messageStatusEnum('status').notNull(),
    skipReason: skipReasonEnum('skip_reason'),
    toAddress: text('to_address'),
    subject: text('subject'),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    lastError: text('last_error'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    deliveredAt: ts('delivered_at'),
    failedAt: ts('failed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    check('messages_skip_ck', sql`(${t.status} = 'skipped') = (${t.skipReason} is not null)`),
    // One live message of a kind per channel per reward: marking sent twice cannot thank twice.
    uniqueIndex('messages_once_per_reward_uq')
      .on(t.workspaceId, t.rewardId, t.kind, t.channel)
      .where(sql`${t.rewardId} is not null and ${t.status} not in ('failed', 'skipped', 'cancelled')`),
    // Serves the dispatcher's poll across workspaces: due messages, oldest first.
    index('messages_due_idx').on(t.nextAttemptAt).where(sql`${t.status} in ('queued', 'sending')`),
    index('messages_reward_idx').on(t.workspaceId, t.rewardId),
    index('messages_participant_idx').on(t.workspaceId, t.participantId, t.createdAt),
    // Serves webhook status updates, which name the provider's id.
    index('messages_provider_id_idx').on(t.providerMessageId),
  ],
);

export const messageAttempts = pgTable(
  'message_attempts',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    messageId: text('message_id').notNull(),
    attempt: integer('attempt').notNull(),
    provider: text('provider').notNull(),
    outcome: text('outcome')
      .$type<'accepted' | 'temporary_failure' | 'permanent_failure' | 'configuration_error' | 'skipped'>()
      .notNull(),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.messageId], foreignColumns: [messages.workspaceId, messages.id] }),
    index('message_attempts_message_idx').on(t.workspaceId, t.messageId),
  ],
);

/**
 * Webhook deliveries already applied, by the provider's delivery id (Svix's `svix-id`), so a
 * replay inside the signature's tolerance is answered without being applied again. Global, not
 * per workspace: the id is the provider's, and which workspace an event is for is only known
 * after reading it. Rows older than a day are deleted (the tolerance is five minutes).
 */
export const webhookReceipts = pgTable(
  'webhook_receipts',
  {
    provider: text('provider').notNull(),
    deliveryId: text('delivery_id').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.deliveryId] }),
    // Serves the clean-up of old receipts.
    index('webhook_receipts_received_idx').on(t.receivedAt),
  ],
);

export const messageTemplates = pgTable(
  'message_templates',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    kind: messageKindEnum('kind').notNull(),
    channel: messageChannelEnum('channel').notNull(),
    subject: text('subject'),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.channel] })],
);

/** Append-only: a trigger refuses UPDATE and DELETE (see the invariants migration). */
export const auditEvents = pgTable(
  'audit_events',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    actorType: actorTypeEnum('actor_type').notNull(),
    actorId: text('actor_id').notNull(),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // Serves an object's history (reward detail).
    index('audit_events_object_idx').on(t.workspaceId, t.objectType, t.objectId, t.createdAt),
    // Serves the audit list, newest first.
    index('audit_events_created_idx').on(t.workspaceId, t.createdAt, t.id),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    workspaceId: text('workspace_id').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state').$type<'in_progress' | 'completed'>().notNull(),
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    createdAt: ts('created_at').notNull().defaultNow(),
    completedAt: ts('completed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.key] }),
    // Serves the purge of keys older than the replay window.
    index('idempotency_keys_created_idx').on(t.createdAt),
  ],
);

/**
 * Where a workspace's outgoing webhooks go. The signing secret is kept as is (HMAC needs it);
 * after a rotation the previous one keeps signing too, beside the new one, until it expires.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    description: text('description'),
    events: webhookEventTypeEnum('events').array().notNull(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: ts('previous_secret_expires_at'),
    disabledAt: ts('disabled_at'),
    disabledReason: text('disabled_reason'),
    /** The first failure since the last success: failing for days disables the endpoint. */
    failingSince: ts('failing_since'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    check('webhook_endpoints_disabled_ck', sql`(${t.disabledAt} is null) = (${t.disabledReason} is null)`),
  ],
);

/**
 * One outgoing event, written in the transaction that made the change. Its id is the
 * `webhook-id` every endpoint sees on every attempt. `payload` is rendered (the object as the
 * API shows it) at the first attempt and kept, so retries send the very same body.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    type: webhookEventTypeEnum('type').notNull(),
    objectId: text('object_id').notNull(),
    payload: text('payload'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/** An event on its way to one endpoint: the outbox row the webhook dispatcher leases. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    eventId: text('event_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: ts('last_attempt_at'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.eventId], foreignColumns: [webhookEvents.workspaceId, webhookEvents.id] }),
    foreignKey({
      columns: [t.workspaceId, t.endpointId],
      foreignColumns: [webhookEndpoints.workspaceId, webhookEndpoints.id],
    }).onDelete('cascade'),
    // One delivery of an event per endpoint.
    uniqueIndex('webhook_deliveries_once_uq').on(t.workspaceId, t.eventId, t.endpointId),
    // Serves the webhook dispatcher's poll across workspaces: due deliveries, oldest first.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    // Serves an endpoint's recent deliveries, newest first.
    index('webhook_deliveries_endpoint_idx').on(t.workspaceId, t.endpointId, t.createdAt, t.id),
  ],
);

const quoted = (list: readonly string[]) => list.map((item) => `'${item}'`).join(', ');

/** A workspace's connection to a billing system or CRM: settings, and its secrets encrypted. */
export const integrations = pgTable(
  'integrations',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    provider: text('provider').$type<IntegrationProvider>().notNull(),
    /** AES-256-GCM under the server key: the signing secret is needed in clear to verify. */
    secretCiphertext: text('secret_ciphertext').notNull(),
    secretHint: text('secret_hint').notNull(),
    /** The secret before a rotation, still accepted until previous_valid_until. */
    previousSecretCiphertext: text('previous_secret_ciphertext'),
    previousValidUntil: ts('previous_valid_until'),
    /** HubSpot's private-app access token, encrypted like the secret. */
    accessTokenCiphertext: text('access_token_ciphertext'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.provider] }),
    check('integrations_provider_ck', sql`${t.provider} in (${sql.raw(quoted(INTEGRATION_PROVIDERS))})`),
  ],
);

/**
 * Every event a provider delivered (after its signature checked), with what it did. The key is
 * the provider's event id: a redelivery finds its row and changes nothing.
 */
export const integrationEvents = pgTable(
  'integration_events',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    provider: text('provider').$type<IntegrationProvider>().notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    status: text('status').$type<IntegrationEventStatus>().notNull(),
    detail: text('detail').notNull().default(''),
    conversionId: text('conversion_id'),
    participantId: text('participant_id'),
    /** Stripe: the invoice, charge and payment intent an event named, so a refund finds its sale. */
    invoiceId: text('invoice_id'),
    chargeId: text('charge_id'),
    paymentIntentId: text('payment_intent_id'),
    /** Stripe charge.refunded: the cumulative amount_refunded this event applied. */
    amountRefunded: money('amount_refunded'),
    attempts: integer('attempts').notNull().default(1),
    receivedAt: ts('received_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.provider, t.eventId] }),
    check('integration_events_provider_ck', sql`${t.provider} in (${sql.raw(quoted(INTEGRATION_PROVIDERS))})`),
    check('integration_events_status_ck', sql`${t.status} in (${sql.raw(quoted(INTEGRATION_EVENT_STATUSES))})`),
    // Serves Settings → Integrations: the last events received, newest first.
    index('integration_events_received_idx').on(t.workspaceId, t.receivedAt),
    // Serves a refund or dispute finding the invoice its charge paid, and the refunds before it.
    index('integration_events_charge_idx').on(t.workspaceId, t.provider, t.chargeId),
    index('integration_events_payment_intent_idx').on(t.workspaceId, t.provider, t.paymentIntentId),
  ],
);

/**
 * A gift card ordered from a provider for a reward, as a durable job: leased with SKIP LOCKED
 * like the outbox, so a crash between ordering and recording is re-asked under the same
 * external id (the provider answers with the order it already has). A row here in progress
 * means the reward is in the provider's hands: payout batches leave it out.
 */
export const fulfilmentOrders = pgTable(
  'fulfilment_orders',
  {
    workspaceId: text('workspace_id').notNull(),
    rewardId: text('reward_id').notNull(),
    provider: text('provider').notNull(),
    status: text('status').$type<(typeof FULFILMENT_ORDER_STATUSES)[number]>().notNull(),
    /** Bumped when staff retry an order the provider refused: each round orders under its own external id. */
    round: integer('round').notNull().default(1),
    externalId: text('external_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    providerOrderId: text('provider_order_id'),
    providerStatus: text('provider_status'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.rewardId] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    check('fulfilment_orders_provider_ck', sql`${t.provider} in (${sql.raw(quoted(FULFILMENT_PROVIDERS))})`),
    check('fulfilment_orders_status_ck', sql`${t.status} in (${sql.raw(quoted(FULFILMENT_ORDER_STATUSES))})`),
    // Serves the job's lease: due orders, oldest first, across workspaces.
    index('fulfilment_orders_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/**
 * The credit ledger: append-only (a trigger refuses UPDATE and DELETE), amounts positive, the
 * kind says the direction. credit_balances is kept by a trigger on insert and cannot go below
 * zero (a check), so two redemptions of one balance cannot both pass, whatever the code does.
 */
export const creditEntries = pgTable(
  'credit_entries',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    participantId: text('participant_id').notNull(),
    kind: text('kind').$type<(typeof CREDIT_ENTRY_KINDS)[number]>().notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    rewardId: text('reward_id'),
    reference: text('reference'),
    createdBy: text('created_by').notNull(),
    createdByName: text('created_by_name').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({
      columns: [t.workspaceId, t.participantId],
      foreignColumns: [participants.workspaceId, participants.id],
    }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    check('credit_entries_kind_ck', sql`${t.kind} in (${sql.raw(quoted(CREDIT_ENTRY_KINDS))})`),
    check('credit_entries_amount_ck', sql`${t.amount} > 0 and ${t.amount} <= 1000000000000`),
    // A reward issues its credit once and is reversed once, however often the event replays.
    uniqueIndex('credit_entries_reward_once_uq')
      .on(t.workspaceId, t.rewardId, t.kind)
      .where(sql`${t.rewardId} is not null`),
    // Serves the participant's ledger, newest first.
    index('credit_entries_participant_idx').on(t.workspaceId, t.participantId, t.createdAt),
  ],
);

/** Each participant's balance per currency, maintained by credit_entries' trigger only. */
export const creditBalances = pgTable(
  'credit_balances',
  {
    workspaceId: text('workspace_id').notNull(),
    participantId: text('participant_id').notNull(),
    currency: text('currency').notNull(),
    balance: money('balance').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.participantId, t.currency] }),
    check('credit_balances_not_negative_ck', sql`${t.balance} >= 0`),
  ],
);

/**
 * Discount codes: uploaded to the pool (available) or generated for a reward, issued to one
 * reward, redeemed once. The code is unique in its workspace.
 */
export const discountCodes = pgTable(
  'discount_codes',
  {
    workspaceId: text('workspace_id').notNull(),
    code: text('code').notNull(),
    source: text('source').$type<(typeof DISCOUNT_CODE_SOURCES)[number]>().notNull(),
    status: text('status').$type<(typeof DISCOUNT_CODE_STATUSES)[number]>().notNull(),
    rewardId: text('reward_id'),
    participantId: text('participant_id'),
    expiresAt: ts('expires_at'),
    issuedAt: ts('issued_at'),
    redeemedAt: ts('redeemed_at'),
    redeemedReference: text('redeemed_reference'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.code] }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    check('discount_codes_source_ck', sql`${t.source} in (${sql.raw(quoted(DISCOUNT_CODE_SOURCES))})`),
    check('discount_codes_status_ck', sql`${t.status} in (${sql.raw(quoted(DISCOUNT_CODE_STATUSES))})`),
    check(
      'discount_codes_issued_ck',
      sql`(${t.status} = 'available') = (${t.rewardId} is null) and (${t.status} <> 'redeemed' or ${t.redeemedAt} is not null)`,
    ),
    // A reward holds one code: two approvals taking from the pool at once cannot share one.
    uniqueIndex('discount_codes_reward_uq').on(t.workspaceId, t.rewardId).where(sql`${t.rewardId} is not null`),
    // Serves taking the next pool code (oldest first) and counting what is left.
    index('discount_codes_available_idx').on(t.workspaceId, t.createdAt).where(sql`${t.status} = 'available'`),
  ],
);

/** A referrer's 1-5 rating of the thank-you experience, one per thank-you message (a new answer replaces it). */
export const referrerRatings = pgTable(
  'referrer_ratings',
  {
    workspaceId: text('workspace_id').notNull(),
    messageId: text('message_id').notNull(),
    participantId: text('participant_id').notNull(),
    rewardId: text('reward_id'),
    score: smallint('score').notNull(),
    via: text('via').$type<'email_link' | 'sms_reply'>().notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.messageId] }),
    foreignKey({ columns: [t.workspaceId, t.messageId], foreignColumns: [messages.workspaceId, messages.id] }),
    check('referrer_ratings_score_ck', sql`${t.score} between 1 and 5`),
    // Serves the dashboard's satisfaction figures over a period.
    index('referrer_ratings_created_idx').on(t.workspaceId, t.createdAt),
  ],
);

/**
 * Finance's payout run: a draft holding approved rewards of a paid-out type in one currency,
 * approved by someone other than its maker (two people above the two-person amount), exported,
 * then marked paid. Its items freeze what each reward pays and to whom; `checksum` freezes the
 * lines once approved. Triggers (migration 0012) refuse edits of both, and refuse marking a reward
 * sent alone while an open batch holds it.
 */
export const payoutBatches = pgTable(
  'payout_batches',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    programId: text('program_id').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<PayoutBatchStatus>().notNull(),
    /** Rewards approved up to this moment were taken. */
    through: ts('through').notNull(),
    note: text('note'),
    /** What the draft held when made; the lines shown are the items still in it. */
    draftTotal: money('draft_total').notNull(),
    approvalsRequired: smallint('approvals_required').notNull(),
    checksum: text('checksum'),
    /** The person who drafted it (maker-checker), or `system` for the scheduler's monthly draft. */
    createdBy: text('created_by').notNull(),
    createdByName: text('created_by_name').notNull(),
    /** The payout day a scheduled draft was made for: one per workspace, currency and day. */
    scheduledFor: date('scheduled_for', { mode: 'string' }),
    createdAt: ts('created_at').notNull(),
    approvedAt: ts('approved_at'),
    paidAt: ts('paid_at'),
    paidBy: text('paid_by'),
    paidByName: text('paid_by_name'),
    paidReference: text('paid_reference'),
    cancelledAt: ts('cancelled_at'),
    cancelledByName: text('cancelled_by_name'),
    cancelReason: text('cancel_reason'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.programId], foreignColumns: [programs.workspaceId, programs.id] }),
    check('payout_batches_status_ck', sql`${t.status} in (${sql.raw(quoted(PAYOUT_BATCH_STATUSES))})`),
    check('payout_batches_approvals_ck', sql`${t.approvalsRequired} in (1, 2)`),
    check(
      'payout_batches_dates_ck',
      sql`(${t.status} not in ('approved', 'paid') or (${t.approvedAt} is not null and ${t.checksum} is not null))
        and (${t.status} <> 'paid' or (${t.paidAt} is not null and ${t.paidReference} is not null))
        and (${t.status} <> 'cancelled' or ${t.cancelledAt} is not null)`,
    ),
    // Serves the batch list, newest first.
    index('payout_batches_created_idx').on(t.workspaceId, t.createdAt, t.id),
    // The scheduler drafts once per payout day, however many processes run it.
    uniqueIndex('payout_batches_scheduled_uq')
      .on(t.workspaceId, t.currency, t.scheduledFor)
      .where(sql`${t.scheduledFor} is not null`),
  ],
);

/** One reward in a batch, with the payee and amount frozen when drafted. */
export const payoutBatchItems = pgTable(
  'payout_batch_items',
  {
    workspaceId: text('workspace_id').notNull(),
    batchId: text('batch_id').notNull(),
    rewardId: text('reward_id').notNull(),
    participantId: text('participant_id').notNull(),
    payeeName: text('payee_name').notNull(),
    payeeEmail: text('payee_email'),
    amount: money('amount').notNull(),
    /** Taken out before payment (the reward was refunded, declined or sent back to review). */
    removedAt: ts('removed_at'),
    removedReason: text('removed_reason'),
    /** The batch was cancelled: the reward is free for another batch. */
    releasedAt: ts('released_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.batchId, t.rewardId] }),
    foreignKey({
      columns: [t.workspaceId, t.batchId],
      foreignColumns: [payoutBatches.workspaceId, payoutBatches.id],
    }),
    foreignKey({ columns: [t.workspaceId, t.rewardId], foreignColumns: [rewards.workspaceId, rewards.id] }),
    check('payout_batch_items_amount_ck', sql`${t.amount} > 0 and ${t.amount} <= 1000000000000`),
    check('payout_batch_items_removed_ck', sql`(${t.removedAt} is null) = (${t.removedReason} is null)`),
    // A reward is held by at most one batch at a time: two drafts made at once cannot share one.
    // Also serves "which open batch holds this reward" (the guard trigger and the take-out).
    uniqueIndex('payout_batch_items_held_uq')
      .on(t.workspaceId, t.rewardId)
      .where(sql`${t.removedAt} is null and ${t.releasedAt} is null`),
  ],
);

/** Each person's approval of a batch: two-person sign-off needs two different rows. */
export const payoutBatchApprovals = pgTable(
  'payout_batch_approvals',
  {
    workspaceId: text('workspace_id').notNull(),
    batchId: text('batch_id').notNull(),
    approverId: text('approver_id').notNull(),
    approverName: text('approver_name').notNull(),
    approverRole: text('approver_role').notNull(),
    note: text('note'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.batchId, t.approverId] }),
    foreignKey({
      columns: [t.workspaceId, t.batchId],
      foreignColumns: [payoutBatches.workspaceId, payoutBatches.id],
    }),
  ],
);
