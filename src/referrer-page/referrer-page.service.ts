import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { recordAudit } from '../audit/index.js';
import { getCredits } from '../credits/index.js';
import { inTransaction } from '../db/transaction.js';
import type { Deps } from '../deps.js';
import { participantCodes } from '../discount-codes/index.js';
import { findParticipant, firstName } from '../participants/index.js';
import { type Actor, systemActor } from '../shared/actor.js';
import { notFound } from '../shared/errors.js';
import { referrerPageView } from './referrer-page.core.js';
import { findByPageToken, referrerFacts, setPageToken } from './referrer-page.repo.js';

const TOKEN_SHAPE = /^[0-9a-f]{32}$/;

export async function loadReferrerPage(deps: Deps, token: string) {
  // Anything but the shape of a token is not looked up at all.
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const found = await findByPageToken(deps.db, token);
  if (!found) return undefined;
  const { participant, workspace } = found;
  const facts = await referrerFacts(deps.db, workspace.id, participant.id);
  // Their credit and codes, through credits' and discount codes' own readers (read-only, as the page).
  const reader = systemActor(workspace.id, 'Referrer page');
  const credits = await getCredits(deps, reader, participant.id);
  const { codes } = await participantCodes(deps, reader, participant.id);
  const balances = credits.balances.filter((balance) => balance.amount > 0);
  const ownCodes = codes.filter((code) => code.status !== 'available');
  const referralUrl = `${deps.publicUrl}/r/${workspace.slug}/${participant.referralCode}`;
  const view = referrerPageView({
    firstName: firstName(participant.name),
    businessName: workspace.companyName || workspace.name,
    referralUrl,
    referralsMade: facts.referralsMade,
    rewards: facts.rewards,
    credit:
      balances.length > 0 || ownCodes.length > 0
        ? {
            balances,
            codes: ownCodes.map((code) => ({
              code: code.code,
              status: code.status === 'redeemed' ? 'used' : code.status === 'void' ? 'no longer valid' : 'ready to use',
            })),
          }
        : undefined,
  });
  // Rendered here, server-side, by the qrcode package: no request leaves the server.
  const qrSvg = await QRCode.toString(referralUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return { view, qrSvg, businessName: workspace.companyName || workspace.name };
}

export function pageUrlOf(publicUrl: string, token: string) {
  return `${publicUrl}/p/${token}`;
}

export async function getPageLink(deps: Deps, actor: Actor, participantId: string) {
  const participant = await findParticipant(deps.db, actor.workspaceId, participantId);
  if (!participant) throw notFound('Participant');
  return { pageUrl: pageUrlOf(deps.publicUrl, participant.pageToken) };
}

/** A new token: the old link stops working at once (a page shared by mistake is closed). */
export async function rotatePageToken(deps: Deps, actor: Actor, participantId: string) {
  const at = deps.clock.now();
  const token = randomBytes(16).toString('hex');
  await inTransaction(deps.db, async (tx) => {
    const updated = await setPageToken(tx, actor.workspaceId, participantId, token);
    if (!updated) throw notFound('Participant');
    await recordAudit(tx, actor, at, {
      action: 'participant.page_rotated',
      objectType: 'participant',
      objectId: participantId,
      // The token itself is a secret: the audit says that it changed, not what it is.
      after: { pageToken: 'rotated' },
    });
  });
  return { pageUrl: pageUrlOf(deps.publicUrl, token) };
}
