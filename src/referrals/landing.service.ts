import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import {
  addSignals,
  findParticipantByCode,
  findParticipantByEmail,
  findParticipantByPhone,
  insertParticipant,
  normalizeEmail,
  type ParticipantRow,
} from '../participants/index.js';
import { systemActor } from '../shared/actor.js';
import { newId, REFERRAL_CODE_SHAPE } from '../shared/ids.js';
import { findWorkspaceBySlug, type Workspace } from '../workspaces/index.js';
import { findClickOfReferrer, findReferralBetween, insertClick, linkClickToReferred } from './landing.repo.js';
import { insertReferral } from './referral.service.js';

export interface ReferralLink {
  workspace: Workspace;
  referrer: ParticipantRow;
}

export interface Lead {
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
  message?: string | undefined;
  clickId?: string | undefined;
  emailConsent?: 'on' | undefined;
  smsConsent?: 'on' | undefined;
}

/** The workspace and referrer behind `/r/{slug}/{code}`, if the link is real. */
export async function resolveLink(deps: Deps, slug: string, code: string): Promise<ReferralLink | undefined> {
  if (!REFERRAL_CODE_SHAPE.test(code.toUpperCase())) return undefined;
  const workspace = await findWorkspaceBySlug(deps.db, slug);
  if (!workspace) return undefined;
  const referrer = await findParticipantByCode(deps.db, workspace.id, code.toUpperCase());
  return referrer ? { workspace, referrer } : undefined;
}

/** A visit is evidence for attribution and for the fraud checks; the form carries its id. */
export async function recordClick(
  deps: Deps,
  link: ReferralLink,
  visit: { ip: string; deviceId: string; userAgent: string | null },
): Promise<string> {
  const clickId = newId('click', deps.clock.now().getTime());
  await insertClick(deps.db, {
    workspaceId: link.workspace.id,
    id: clickId,
    referrerId: link.referrer.id,
    ip: visit.ip,
    deviceId: visit.deviceId,
    userAgent: visit.userAgent,
    landedAt: deps.clock.now(),
  });
  return clickId;
}

/**
 * A lead from the form becomes (or is matched to) a participant referred through the link, with
 * the click's evidence. Refusals are AppErrors the page shows beside the form.
 */
export async function recordLead(deps: Deps, link: ReferralLink, lead: Lead, leadPhone: string | undefined) {
  const at = deps.clock.now();
  const actor = systemActor(link.workspace.id, 'Referral link');
  await inTransaction(deps.db, async (tx) => {
    const click = lead.clickId
      ? await findClickOfReferrer(tx, link.workspace.id, lead.clickId, link.referrer.id)
      : undefined;
    // Someone already known (by email, else by phone) stays who they are; the referral from
    // this link is recorded, and the claim check `existing_customer` flags it for a person.
    const existing =
      (lead.email ? await findParticipantByEmail(tx, link.workspace.id, normalizeEmail(lead.email)) : undefined) ??
      (leadPhone ? await findParticipantByPhone(tx, link.workspace.id, leadPhone) : undefined);
    const person =
      existing ??
      (await insertParticipant(
        tx,
        link.workspace,
        actor,
        {
          name: lead.name,
          email: lead.email || null,
          phone: lead.phone || null,
          kind: 'customer',
          emailMarketingConsent: lead.emailConsent === 'on',
          smsMarketingConsent: lead.smsConsent === 'on',
          doNotContact: false,
        },
        at,
        'referral link',
      ));
    // An anonymous form may name someone who already exists: the click is linked, but their
    // identity signals are not, or anyone could pin their device on an existing customer.
    if (click && !existing) {
      await linkClickToReferred(tx, link.workspace.id, click.id, person.id);
      await addSignals(
        tx,
        link.workspace.id,
        person.id,
        [
          ...(click.ip ? [{ kind: 'ip' as const, value: click.ip, source: `click ${click.id}` }] : []),
          ...(click.deviceId ? [{ kind: 'device' as const, value: click.deviceId, source: `click ${click.id}` }] : []),
        ],
        at,
      );
    }
    const already = await findReferralBetween(tx, link.workspace.id, link.referrer.id, person.id);
    if (already || person.id === link.referrer.id) return;
    await insertReferral(
      tx,
      { actor, at, publicUrl: deps.publicUrl },
      {
        referrerId: link.referrer.id,
        referredId: person.id,
        source: 'link',
        evidence: {
          ...(click ? { clickId: click.id } : {}),
          ...(click?.ip ? { ip: click.ip } : {}),
          ...(click?.deviceId ? { deviceId: click.deviceId } : {}),
          ...(click?.userAgent ? { userAgent: click.userAgent } : {}),
          url: `${deps.publicUrl}/r/${link.workspace.slug}/${link.referrer.referralCode}`,
          ...(existing ? { note: 'Lead form named a participant who already existed; review the attribution.' } : {}),
          form: Object.fromEntries(
            Object.entries({
              name: lead.name,
              email: lead.email ?? '',
              phone: lead.phone ?? '',
              message: lead.message ?? '',
            }).filter(([, value]) => value),
          ),
        },
      },
    );
  });
}
