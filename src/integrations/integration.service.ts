import { recordAudit } from '../audit/index.js';
import { ConversionInputSchema, recordConversion } from '../conversions/index.js';
import type { Executor } from '../db/client.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import {
  createParticipantAndLink,
  findParticipantByCode,
  findParticipantByEmail,
  findParticipantByExternalId,
  normalizeEmail,
  type ParticipantHooks,
  updateParticipantAndLink,
} from '../participants/index.js';
import { createReferral } from '../referrals/index.js';
import { type Actor, systemActor } from '../shared/actor.js';
import { AppError, isAppError } from '../shared/errors.js';
import { decryptSecret, encryptSecret, secretHint } from '../shared/secret-box.js';
import { findWorkspaceBySlug, getWorkspaceOrThrow, type Workspace } from '../workspaces/index.js';
import { fetchContact, fetchDeal } from './hubspot.client.js';
import { hubspotAmountToMinor, parseHubspotBatch, planHubspotEvent, verifyHubspot } from './hubspot.core.js';
import {
  DEFAULT_CLOSED_WON_STAGES,
  DEFAULT_HUBSPOT_API_URL,
  DEFAULT_TREMENDOUS_API_URL,
  INTEGRATION_PROVIDERS,
  type IntegrationEventStatus,
  type IntegrationProvider,
  ROTATION_OVERLAP_MS,
} from './integration.core.js';
import {
  claimEvent,
  findEvent,
  findIntegration,
  finishEvent,
  type IntegrationRow,
  invoiceOfCharge,
  listIntegrations,
  recentEvents,
  refundedBefore,
  upsertIntegration,
} from './integration.repo.js';
import type {
  HubspotSettingsInput,
  IntegrationStatus,
  IntegrationsOverview,
  StripeSettingsInput,
  TremendousSettingsInput,
  WebhookAnswer,
} from './integration.schema.js';
import { chargeRefsOf, planStripeEvent, type StripeLinks, verifyStripeEvent } from './stripe.core.js';

export interface IntegrationDeps extends Deps {
  /** The server's key for secrets at rest; undefined when none is configured (PostgreSQL without REWARDLOOP_SECRET_KEY). */
  secretKey: Buffer | undefined;
  /** What a participant's new external id sets off (conversions waiting for it, payee re-checks). */
  participantHooks: ParticipantHooks;
}

const secretContext = (workspaceId: string, provider: IntegrationProvider, field: string) =>
  `${workspaceId}:${provider}:${field}`;

function keyOrThrow(deps: IntegrationDeps): Buffer {
  if (!deps.secretKey) {
    throw new AppError(
      'unavailable',
      'This server has no key to encrypt integration secrets with: set REWARDLOOP_SECRET_KEY (64 hex digits, e.g. `openssl rand -hex 32`) and restart.',
    );
  }
  return deps.secretKey;
}

export function endpointUrl(publicUrl: string, provider: IntegrationProvider, workspace: Pick<Workspace, 'slug'>) {
  return `${publicUrl}/webhooks/${provider}/${encodeURIComponent(workspace.slug)}`;
}

function presentStatus(
  deps: Deps,
  workspace: Workspace,
  provider: IntegrationProvider,
  row: IntegrationRow | undefined,
): IntegrationStatus {
  const now = deps.clock.now().getTime();
  const rotating = row?.previousValidUntil && row.previousValidUntil.getTime() > now ? row.previousValidUntil : null;
  const settings = (row?.settings ?? {}) as {
    closedWonStages?: string[];
    apiUrl?: string;
    campaignId?: string;
    fundingSourceId?: string;
  };
  return {
    provider,
    configured: row !== undefined,
    endpointUrl: endpointUrl(deps.publicUrl, provider, workspace),
    secretHint: row?.secretHint ?? null,
    previousValidUntil: rotating ? rotating.toISOString() : null,
    ...(provider === 'hubspot'
      ? {
          closedWonStages: settings.closedWonStages ?? DEFAULT_CLOSED_WON_STAGES,
          apiUrl: settings.apiUrl ?? DEFAULT_HUBSPOT_API_URL,
        }
      : {}),
    ...(provider === 'tremendous' && row
      ? {
          apiUrl: settings.apiUrl ?? DEFAULT_TREMENDOUS_API_URL,
          campaignId: settings.campaignId ?? '',
          fundingSourceId: settings.fundingSourceId ?? '',
        }
      : {}),
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

export async function getIntegrationsOverview(deps: IntegrationDeps, actor: Actor): Promise<IntegrationsOverview> {
  const workspace = await getWorkspaceOrThrow(deps.db, actor.workspaceId);
  const rows = await listIntegrations(deps.db, actor.workspaceId);
  const events = await recentEvents(deps.db, actor.workspaceId, 50);
  return {
    secretsAvailable: deps.secretKey !== undefined,
    integrations: INTEGRATION_PROVIDERS.map((provider) =>
      presentStatus(
        deps,
        workspace,
        provider,
        rows.find((row) => row.provider === provider),
      ),
    ),
    recentEvents: events.map((event) => ({
      provider: event.provider,
      eventId: event.eventId,
      type: event.type,
      status: event.status,
      detail: event.detail,
      conversionId: event.conversionId,
      participantId: event.participantId,
      attempts: event.attempts,
      receivedAt: event.receivedAt.toISOString(),
    })),
  };
}

/**
 * Sets a connection's secret. With keepPrevious the secret being replaced stays valid for a day
 * beside the new one (events in flight, or sent before the provider switched, still verify).
 */
async function saveIntegration(
  deps: IntegrationDeps,
  actor: Actor,
  provider: IntegrationProvider,
  input: { secret: string; keepPrevious: boolean; accessToken?: string; settings: Record<string, unknown> },
): Promise<IntegrationStatus> {
  const key = keyOrThrow(deps);
  const at = deps.clock.now();
  const workspaceId = actor.workspaceId;
  return inTransaction(deps.db, async (tx) => {
    const workspace = await getWorkspaceOrThrow(tx, workspaceId);
    const before = await findIntegration(tx, workspaceId, provider);
    const keep = input.keepPrevious && before !== undefined;
    await upsertIntegration(tx, {
      workspaceId,
      provider,
      secretCiphertext: encryptSecret(key, input.secret, secretContext(workspaceId, provider, 'secret')),
      secretHint: secretHint(input.secret),
      previousSecretCiphertext: keep ? before.secretCiphertext : null,
      previousValidUntil: keep ? new Date(at.getTime() + ROTATION_OVERLAP_MS) : null,
      accessTokenCiphertext: input.accessToken
        ? encryptSecret(key, input.accessToken, secretContext(workspaceId, provider, 'access_token'))
        : null,
      settings: input.settings,
      updatedBy: actor.id,
      updatedAt: at,
    });
    await recordAudit(tx, actor, at, {
      action: before ? 'integration.updated' : 'integration.connected',
      objectType: 'integration',
      objectId: provider,
      before: before ? { secretHint: before.secretHint, settings: before.settings } : null,
      after: { secretHint: secretHint(input.secret), settings: input.settings, previousKept: keep },
    });
    const row = await findIntegration(tx, workspaceId, provider);
    return presentStatus(deps, workspace, provider, row);
  });
}

export function configureStripe(deps: IntegrationDeps, actor: Actor, input: StripeSettingsInput) {
  return saveIntegration(deps, actor, 'stripe', {
    secret: input.webhookSecret,
    keepPrevious: input.keepPrevious,
    settings: {},
  });
}

export function configureHubspot(deps: IntegrationDeps, actor: Actor, input: HubspotSettingsInput) {
  return saveIntegration(deps, actor, 'hubspot', {
    secret: input.clientSecret,
    keepPrevious: input.keepPrevious,
    accessToken: input.accessToken,
    settings: {
      closedWonStages: input.closedWonStages ?? DEFAULT_CLOSED_WON_STAGES,
      apiUrl: input.apiUrl ?? DEFAULT_HUBSPOT_API_URL,
    },
  });
}

/** Tremendous: the API key is the secret (rotated by saving a new one; no overlap is needed for calls we make). */
export function configureTremendous(deps: IntegrationDeps, actor: Actor, input: TremendousSettingsInput) {
  return saveIntegration(deps, actor, 'tremendous', {
    secret: input.apiKey,
    keepPrevious: false,
    settings: {
      campaignId: input.campaignId,
      fundingSourceId: input.fundingSourceId,
      apiUrl: input.apiUrl ?? DEFAULT_TREMENDOUS_API_URL,
    },
  });
}

/**
 * What ordering from Tremendous needs, decrypted: undefined when the workspace has not connected
 * it, or the key cannot be read (no server key, or another key than the one it was saved under).
 */
export async function tremendousConnection(
  db: Executor,
  secretKey: Buffer | undefined,
  workspaceId: string,
): Promise<{ apiUrl: string; apiKey: string; campaignId: string; fundingSourceId: string } | undefined> {
  if (!secretKey) return undefined;
  const row = await findIntegration(db, workspaceId, 'tremendous');
  if (!row) return undefined;
  const apiKey = decryptSecret(secretKey, row.secretCiphertext, secretContext(workspaceId, 'tremendous', 'secret'));
  const settings = row.settings as { apiUrl?: string; campaignId?: string; fundingSourceId?: string };
  if (!apiKey || !settings.campaignId || !settings.fundingSourceId) return undefined;
  return {
    apiUrl: settings.apiUrl ?? DEFAULT_TREMENDOUS_API_URL,
    apiKey,
    campaignId: settings.campaignId,
    fundingSourceId: settings.fundingSourceId,
  };
}

/** Whether a workspace has connected Tremendous (an approval queues an order only then). */
export async function hasTremendous(db: Executor, workspaceId: string): Promise<boolean> {
  return (await findIntegration(db, workspaceId, 'tremendous')) !== undefined;
}

/** The workspace a public webhook URL names and its connection's valid secrets. */
async function connectionFor(deps: IntegrationDeps, provider: IntegrationProvider, slug: string) {
  const label = provider === 'stripe' ? 'Stripe' : 'HubSpot';
  const notConnected = new AppError('not_found', `No ${label} connection at this address.`, { field: 'workspaceSlug' });
  if (!deps.secretKey || slug.length > 200) throw notConnected;
  const workspace = await findWorkspaceBySlug(deps.db, slug);
  if (!workspace) throw notConnected;
  const row = await findIntegration(deps.db, workspace.id, provider);
  if (!row) throw notConnected;
  const key = deps.secretKey;
  const context = secretContext(workspace.id, provider, 'secret');
  const now = deps.clock.now().getTime();
  const secrets = [
    decryptSecret(key, row.secretCiphertext, context),
    row.previousSecretCiphertext && row.previousValidUntil && row.previousValidUntil.getTime() > now
      ? decryptSecret(key, row.previousSecretCiphertext, context)
      : undefined,
  ].filter((secret): secret is string => secret !== undefined);
  const accessToken = row.accessTokenCiphertext
    ? decryptSecret(key, row.accessTokenCiphertext, secretContext(workspace.id, provider, 'access_token'))
    : undefined;
  return { workspace, row, secrets, accessToken };
}

interface Outcome {
  status: IntegrationEventStatus;
  detail: string;
  conversionId?: string | null;
  participantId?: string | null;
}

/**
 * Runs one provider event at most once: claimed by its id, applied, and its outcome written.
 * A redelivery of a finished event is answered as a duplicate and changes nothing. A failure the
 * provider's retry may fix (our database, their API) is marked failed and thrown; a refusal of
 * the event's content (an unknown currency, data that contradicts an earlier event) is recorded
 * as failed with the reason and answered 2xx — sending it again would not change it.
 */
async function runOnce(
  deps: Deps,
  key: { workspaceId: string; provider: IntegrationProvider; eventId: string; type: string },
  work: () => Promise<Outcome & { links?: StripeLinks }>,
): Promise<{ eventId: string; status: string; detail: string; duplicate: boolean }> {
  const claimed = await claimEvent(deps.db, key, deps.clock.now());
  if (!claimed) {
    const existing = await findEvent(deps.db, key.workspaceId, key.provider, key.eventId);
    if (existing?.status === 'processing') {
      throw new AppError('idempotency_in_progress', 'This event is being processed; retry shortly.');
    }
    return {
      eventId: key.eventId,
      status: existing?.status ?? 'applied',
      detail: existing?.detail ?? '',
      duplicate: true,
    };
  }
  let outcome: Outcome & { links?: StripeLinks };
  try {
    outcome = await work();
  } catch (error) {
    const detail = isAppError(error) ? error.message : 'Could not be applied; it will be tried again when redelivered.';
    await finishEvent(deps.db, key, { status: 'failed', detail }, deps.clock.now());
    if (isAppError(error) && error.status < 500) {
      return { eventId: key.eventId, status: 'failed', detail, duplicate: false };
    }
    throw error;
  }
  await finishEvent(
    deps.db,
    key,
    {
      status: outcome.status,
      detail: outcome.detail,
      conversionId: outcome.conversionId ?? null,
      participantId: outcome.participantId ?? null,
      invoiceId: outcome.links?.invoiceId ?? null,
      chargeId: outcome.links?.chargeId ?? null,
      paymentIntentId: outcome.links?.paymentIntentId ?? null,
      amountRefunded: outcome.status === 'applied' ? (outcome.links?.amountRefunded ?? null) : null,
    },
    deps.clock.now(),
  );
  return { eventId: key.eventId, status: outcome.status, detail: outcome.detail, duplicate: false };
}

/** Records a conversion from a provider's event, checked by the API's own input schema. */
async function conversionFrom(deps: Deps, actor: Actor, input: unknown): Promise<Outcome> {
  const parsed = ConversionInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      status: 'failed',
      detail: `Not recorded: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const result = await recordConversion(deps, actor, parsed.data);
  return {
    status: 'applied',
    detail: `${parsed.data.type} ${parsed.data.externalId}: ${result.body.outcomeText}`,
    conversionId: result.body.conversion.id,
    participantId: result.body.conversion.referredId,
  };
}

export async function receiveStripeEvent(
  deps: IntegrationDeps,
  request: { workspaceSlug: string; rawBody: Buffer; signature: string | undefined },
): Promise<WebhookAnswer> {
  const { workspace, secrets } = await connectionFor(deps, 'stripe', request.workspaceSlug);
  const verdict = verifyStripeEvent(secrets, request.rawBody, request.signature, deps.clock.now().getTime());
  if (!verdict.ok) {
    const message = {
      missing_signature: 'The Stripe-Signature header is required.',
      stale: 'The Stripe-Signature timestamp is more than 5 minutes old.',
      bad_signature: 'The Stripe-Signature does not match this body with the configured signing secret.',
      malformed: 'The body is not a Stripe event.',
    }[verdict.reason];
    throw new AppError('validation_failed', message, {
      field: verdict.reason === 'malformed' ? 'body' : 'stripe-signature',
    });
  }
  const event = verdict.event;
  const actor = systemActor(workspace.id, 'Stripe');
  const result = await runOnce(
    deps,
    { workspaceId: workspace.id, provider: 'stripe', eventId: event.id.slice(0, 200), type: event.type.slice(0, 100) },
    async () => {
      const refs = chargeRefsOf(event);
      const plan = planStripeEvent(event, {
        invoiceOfCharge: await invoiceOfCharge(deps.db, workspace.id, refs),
        refundedBefore: refs.chargeId ? await refundedBefore(deps.db, workspace.id, refs.chargeId) : 0,
      });
      if (plan.kind === 'ignored')
        return { status: 'ignored', detail: plan.reason, ...(plan.links ? { links: plan.links } : {}) };
      if (plan.kind === 'checkout') return applyCheckout(deps, actor, plan);
      let input: Record<string, unknown> = plan.input;
      if (plan.input.type === 'invoice_paid' && plan.input.referredExternalId === undefined && plan.customerEmail) {
        // No Stripe customer id: the participant with the invoice's email, if there is one.
        const byEmail = await findParticipantByEmail(deps.db, workspace.id, normalizeEmail(plan.customerEmail));
        if (!byEmail)
          return {
            status: 'ignored',
            detail: 'No participant has this invoice’s email and it names no customer id.',
            links: plan.links,
          };
        input = { ...plan.input, referredId: byEmail.id };
      } else if (plan.input.type === 'invoice_paid' && plan.input.referredExternalId && plan.customerEmail) {
        const known = await findParticipantByExternalId(deps.db, workspace.id, plan.input.referredExternalId);
        const byEmail = known
          ? undefined
          : await findParticipantByEmail(deps.db, workspace.id, normalizeEmail(plan.customerEmail));
        if (byEmail && !byEmail.externalId) {
          const { referredExternalId: _ignored, ...rest } = plan.input;
          input = { ...rest, referredId: byEmail.id };
        }
      }
      return { ...(await conversionFrom(deps, actor, input)), links: plan.links };
    },
  );
  return { received: true, ...(result.duplicate ? { duplicate: true } : {}), events: [result] };
}

/**
 * A checkout that carried a referrer's code: the paying customer becomes a participant (or is
 * matched: by Stripe customer id, else by email) with the Stripe customer id as external id, and
 * the referral (source `code`) is recorded. Each step finds what an earlier attempt did, so a
 * retry after a failure half-way completes the work instead of repeating it.
 */
async function applyCheckout(
  deps: IntegrationDeps,
  actor: Actor,
  plan: Extract<ReturnType<typeof planStripeEvent>, { kind: 'checkout' }>,
): Promise<Outcome> {
  const workspaceId = actor.workspaceId;
  const referrer = await findParticipantByCode(deps.db, workspaceId, plan.referralCode);
  if (!referrer) return { status: 'ignored', detail: `No participant has the referral code ${plan.referralCode}.` };
  const customer =
    (plan.customerId ? await findParticipantByExternalId(deps.db, workspaceId, plan.customerId) : undefined) ??
    (plan.email ? await findParticipantByEmail(deps.db, workspaceId, normalizeEmail(plan.email)) : undefined);
  let participantId: string;
  if (!customer) {
    const created = await createParticipantAndLink(
      deps,
      actor,
      {
        name: plan.name ?? plan.email ?? plan.customerId ?? 'Stripe customer',
        email: plan.email ?? null,
        externalId: plan.customerId ?? null,
        kind: 'customer',
        emailMarketingConsent: false,
        smsMarketingConsent: false,
        doNotContact: false,
      },
      deps.participantHooks.linkAwaitingConversions,
    );
    participantId = created.id;
  } else {
    participantId = customer.id;
    if (plan.customerId && !customer.externalId) {
      await updateParticipantAndLink(deps, actor, customer.id, { externalId: plan.customerId }, deps.participantHooks);
    }
  }
  if (participantId === referrer.id) {
    return { status: 'ignored', detail: 'The customer used their own referral code.', participantId };
  }
  try {
    await createReferral(deps, actor, {
      referrerId: referrer.id,
      referredId: participantId,
      source: 'code',
      evidence: { note: `Stripe checkout ${plan.sessionId} with referral code ${plan.referralCode}` },
    });
  } catch (error) {
    if (!(isAppError(error) && error.code === 'already_exists')) throw error;
    return { status: 'applied', detail: `${referrer.name} had already referred this customer.`, participantId };
  }
  return {
    status: 'applied',
    detail: `Referral by ${referrer.name} (code ${plan.referralCode}) recorded.`,
    participantId,
  };
}

export async function receiveHubspotEvents(
  deps: IntegrationDeps,
  request: {
    workspaceSlug: string;
    method: string;
    uri: string;
    rawBody: string;
    signature: string | undefined;
    timestamp: string | undefined;
  },
): Promise<WebhookAnswer> {
  const { workspace, row, secrets, accessToken } = await connectionFor(deps, 'hubspot', request.workspaceSlug);
  const verdict = verifyHubspot(
    secrets,
    { method: request.method, uri: request.uri, body: request.rawBody },
    { signature: request.signature, timestamp: request.timestamp },
    deps.clock.now().getTime(),
  );
  if (verdict !== 'ok') {
    const message = {
      missing_headers: 'The X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers are required.',
      stale: 'The X-HubSpot-Request-Timestamp is more than 5 minutes from now.',
      bad_signature: 'The X-HubSpot-Signature-v3 does not match this request with the configured client secret.',
    }[verdict];
    throw new AppError('validation_failed', message, {
      field: verdict === 'stale' ? 'x-hubspot-request-timestamp' : 'x-hubspot-signature-v3',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    throw new AppError('malformed_json', 'The body is not valid JSON.', { field: 'body' });
  }
  const events = parseHubspotBatch(body);
  if (!events) throw new AppError('validation_failed', 'The body is not a batch of HubSpot events.', { field: 'body' });
  const settings = row.settings as { closedWonStages?: string[]; apiUrl?: string };
  const stages = settings.closedWonStages ?? DEFAULT_CLOSED_WON_STAGES;
  const apiUrl = settings.apiUrl ?? DEFAULT_HUBSPOT_API_URL;
  const actor = systemActor(workspace.id, 'HubSpot');
  const results: WebhookAnswer['events'] = [];
  for (const event of events) {
    const result = await runOnce(
      deps,
      {
        workspaceId: workspace.id,
        provider: 'hubspot',
        eventId: event.eventId,
        type: `${event.subscriptionType || 'unknown'}${event.propertyName ? `:${event.propertyName}` : ''}`.slice(
          0,
          100,
        ),
      },
      async () => {
        const plan = planHubspotEvent(event, stages);
        if (plan.kind === 'ignored') return { status: 'ignored', detail: plan.reason };
        if (!accessToken) return { status: 'failed', detail: 'No HubSpot access token is configured.' };
        return applyWonDeal(deps, actor, { apiUrl, accessToken, dealId: plan.dealId });
      },
    );
    results.push({ eventId: result.eventId, status: result.status, detail: result.detail });
  }
  return { received: true, events: results };
}

async function applyWonDeal(
  deps: Deps,
  actor: Actor,
  request: { apiUrl: string; accessToken: string; dealId: string },
): Promise<Outcome> {
  const deal = await fetchDeal(request.apiUrl, request.accessToken, request.dealId);
  if (!deal.ok) {
    if (deal.retry) throw new AppError('unavailable', deal.reason);
    return { status: 'failed', detail: deal.reason };
  }
  const currency = deal.value.currency;
  if (!deal.value.amount || !currency) {
    return { status: 'failed', detail: `Deal ${request.dealId} has no amount or currency.` };
  }
  const amount = hubspotAmountToMinor(deal.value.amount, currency);
  if (amount === undefined) {
    return {
      status: 'failed',
      detail: `Deal ${request.dealId}: amount ${deal.value.amount} ${currency} is not a valid amount.`,
    };
  }
  const contactId = deal.value.contactIds[0];
  if (!contactId) return { status: 'failed', detail: `Deal ${request.dealId} has no associated contact.` };
  const contact = await fetchContact(request.apiUrl, request.accessToken, contactId);
  if (!contact.ok) {
    if (contact.retry) throw new AppError('unavailable', contact.reason);
    return { status: 'failed', detail: contact.reason };
  }
  const workspaceId = actor.workspaceId;
  // The customer: the participant whose external id is the HubSpot contact id, else the one with
  // the contact's email, else the deal waits for a participant with that external id.
  const known = await findParticipantByExternalId(deps.db, workspaceId, contactId);
  const byEmail =
    !known && contact.value.email
      ? await findParticipantByEmail(deps.db, workspaceId, normalizeEmail(contact.value.email))
      : undefined;
  return conversionFrom(deps, actor, {
    externalId: request.dealId,
    source: 'hubspot',
    type: 'deal_won',
    amount,
    currency,
    // No occurredAt: HubSpot's retries and a second move to won must describe the same event.
    ...(byEmail ? { referredId: byEmail.id } : { referredExternalId: contactId }),
  });
}
