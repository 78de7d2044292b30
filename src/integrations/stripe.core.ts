import Stripe from 'stripe';

/**
 * Stripe: the signature check (the official package, over the raw body) and what each event
 * means for Rewardloop, as pure functions of the event and the facts the service loaded.
 */
export const STRIPE_TOLERANCE_SECONDS = 300;

export type StripeVerdict =
  | { ok: true; event: StripeEventLike }
  | { ok: false; reason: 'missing_signature' | 'stale' | 'bad_signature' | 'malformed' };

/** The fields of an event we read; everything else in Stripe's event is ignored. */
export interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

/**
 * Each secret is tried in turn (two are valid while one rotates). The package checks the
 * signature first, then the timestamp, so a "too old" answer means a secret matched.
 */
export function verifyStripeEvent(
  secrets: string[],
  rawBody: Buffer,
  header: string | undefined,
  nowMs: number,
): StripeVerdict {
  if (!header) return { ok: false, reason: 'missing_signature' };
  let stale = false;
  for (const secret of secrets) {
    try {
      const event = Stripe.webhooks.constructEvent(
        rawBody,
        header,
        secret,
        STRIPE_TOLERANCE_SECONDS,
        undefined,
        nowMs,
      ) as unknown as StripeEventLike;
      if (
        typeof event?.id !== 'string' ||
        typeof event.type !== 'string' ||
        typeof event.data?.object !== 'object' ||
        event.data.object === null
      ) {
        return { ok: false, reason: 'malformed' };
      }
      return { ok: true, event };
    } catch (error) {
      if (error instanceof SyntaxError) return { ok: false, reason: 'malformed' };
      if (/timestamp outside the tolerance/i.test(String((error as Error).message))) stale = true;
    }
  }
  return { ok: false, reason: stale ? 'stale' : 'bad_signature' };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
/** An id Stripe may send as a string or, when expanded, as an object with an id. */
const ref = (value: unknown): string | undefined =>
  str(value) ?? (value && typeof value === 'object' ? str((value as { id?: unknown }).id) : undefined);

/** What the service looked up before deciding: the invoice a charge paid, what was refunded before. */
export interface StripeFacts {
  /** The invoice an earlier invoice.paid named for this charge or payment intent. */
  invoiceOfCharge: string | undefined;
  /** The largest cumulative amount_refunded already applied for this charge. */
  refundedBefore: number;
}

export type StripePlan =
  | {
      kind: 'checkout';
      sessionId: string;
      referralCode: string;
      customerId: string | undefined;
      email: string | undefined;
      name: string | undefined;
    }
  | {
      kind: 'conversion';
      input: {
        externalId: string;
        source: 'stripe';
        type: 'invoice_paid' | 'refund' | 'chargeback';
        amount: number;
        currency: string;
        occurredAt: string;
        referredExternalId?: string;
        originalExternalId?: string;
      };
      /** invoice.paid: the customer's email, to match a participant without the Stripe id. */
      customerEmail?: string | undefined;
      links: StripeLinks;
    }
  | { kind: 'ignored'; reason: string; links?: StripeLinks };

/** Kept with the event so later events (a refund, a dispute) find the invoice a charge paid. */
export interface StripeLinks {
  invoiceId?: string | undefined;
  chargeId?: string | undefined;
  paymentIntentId?: string | undefined;
  amountRefunded?: number | undefined;
}

/** The charge ids an event names, so the service can load StripeFacts before planning. */
export function chargeRefsOf(event: StripeEventLike): { chargeId?: string; paymentIntentId?: string } {
  const object = event.data.object;
  if (event.type === 'charge.refunded') {
    return { ...opt('chargeId', str(object.id)), ...opt('paymentIntentId', ref(object.payment_intent)) };
  }
  if (event.type === 'charge.dispute.created') {
    return { ...opt('chargeId', ref(object.charge)), ...opt('paymentIntentId', ref(object.payment_intent)) };
  }
  return {};
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const occurredAt = (event: StripeEventLike) =>
  new Date((int(event.created) ?? 0) * 1000 || Date.UTC(1970, 0, 1)).toISOString();

/** The referral code a checkout carries: client_reference_id, else metadata.referral_code. */
function referralCodeOf(session: Record<string, unknown>): string | undefined {
  const metadata = session.metadata && typeof session.metadata === 'object' ? session.metadata : {};
  const code = str(session.client_reference_id) ?? str((metadata as Record<string, unknown>).referral_code);
  return code?.trim().toUpperCase();
}

export function planStripeEvent(event: StripeEventLike, facts: StripeFacts): StripePlan {
  const object = event.data.object;
  switch (event.type) {
    case 'checkout.session.completed': {
      const referralCode = referralCodeOf(object);
      if (!referralCode) return { kind: 'ignored', reason: 'The checkout carries no referral code.' };
      const details = (object.customer_details ?? {}) as Record<string, unknown>;
      const customerId = ref(object.customer);
      const email = str(details.email) ?? str(object.customer_email);
      if (!customerId && !email) {
        return { kind: 'ignored', reason: 'The checkout names no customer (no customer id or email).' };
      }
      return {
        kind: 'checkout',
        sessionId: str(object.id) ?? event.id,
        referralCode,
        customerId,
        email,
        name: str(details.name),
      };
    }
    case 'invoice.paid': {
      const invoiceId = str(object.id);
      const amount = int(object.amount_paid);
      const currency = str(object.currency)?.toUpperCase();
      const customer = ref(object.customer);
      const links: StripeLinks = {
        invoiceId,
        chargeId: ref(object.charge),
        paymentIntentId: ref(object.payment_intent),
      };
      if (!invoiceId || amount === undefined || !currency) {
        return { kind: 'ignored', reason: 'The invoice has no id, amount_paid or currency.', links };
      }
      if (amount <= 0) return { kind: 'ignored', reason: 'Nothing was paid on this invoice.', links };
      if (!customer && !str(object.customer_email)) {
        return { kind: 'ignored', reason: 'The invoice names no customer.', links };
      }
      return {
        kind: 'conversion',
        input: {
          externalId: invoiceId,
          source: 'stripe',
          type: 'invoice_paid',
          amount,
          currency,
          occurredAt: occurredAt(event),
          ...(customer ? { referredExternalId: customer } : {}),
        },
        customerEmail: str(object.customer_email),
        links,
      };
    }
    case 'charge.refunded': {
      const chargeId = str(object.id);
      const cumulative = int(object.amount_refunded);
      const currency = str(object.currency)?.toUpperCase();
      const invoiceId = ref(object.invoice) ?? facts.invoiceOfCharge;
      const customer = ref(object.customer);
      const links: StripeLinks = { chargeId, invoiceId, amountRefunded: cumulative };
      if (!chargeId || cumulative === undefined || !currency) {
        return { kind: 'ignored', reason: 'The charge has no id, amount_refunded or currency.', links };
      }
      // amount_refunded is cumulative: only what is new since the largest total already applied
      // counts, so two partial refunds make two refunds and a redelivered or older total adds nothing.
      const newly = cumulative - facts.refundedBefore;
      if (newly <= 0) return { kind: 'ignored', reason: 'Nothing newly refunded on this charge.', links };
      if (!invoiceId && !customer) {
        return { kind: 'ignored', reason: 'The charge names no invoice or customer to reverse.', links };
      }
      return {
        kind: 'conversion',
        input: {
          externalId: `${chargeId}:refunded:${cumulative}`,
          source: 'stripe',
          type: 'refund',
          amount: newly,
          currency,
          occurredAt: occurredAt(event),
          ...(invoiceId ? { originalExternalId: invoiceId } : { referredExternalId: customer as string }),
        },
        links,
      };
    }
    case 'charge.dispute.created': {
      const disputeId = str(object.id);
      const amount = int(object.amount);
      const currency = str(object.currency)?.toUpperCase();
      const chargeId = ref(object.charge);
      const invoiceId = facts.invoiceOfCharge;
      const links: StripeLinks = { chargeId, invoiceId };
      if (!disputeId || amount === undefined || !currency) {
        return { kind: 'ignored', reason: 'The dispute has no id, amount or currency.', links };
      }
      if (!invoiceId) {
        return { kind: 'ignored', reason: 'No paid invoice received here used this charge.', links };
      }
      return {
        kind: 'conversion',
        input: {
          externalId: disputeId,
          source: 'stripe',
          type: 'chargeback',
          amount,
          currency,
          occurredAt: occurredAt(event),
          originalExternalId: invoiceId,
        },
        links,
      };
    }
    default:
      return { kind: 'ignored', reason: `Rewardloop does not use ${event.type} events.` };
  }
}
