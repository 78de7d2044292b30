import { describe, expect, it } from 'vitest';
import { templateValues } from './outbox.service.js';
import {
  DEFAULT_TEMPLATES,
  guardSmsLength,
  renderMessage,
  SMS_MAX_LENGTH,
  unknownVariables,
} from './templates.core.js';

const workspace = (senderName: string | null) =>
  ({ id: 'ws_1', name: 'acme', companyName: 'Acme Realty', senderName, signingSecret: 'x'.repeat(64) }) as never;

const values = (senderName: string | null) =>
  templateValues({
    workspace: workspace(senderName),
    referrer: { id: 'par_1', name: 'Jessica Alvarez' },
    rewardSummary: 'Gift card, 25.00 USD',
    rewardId: 'rwd_1',
    publicUrl: 'https://rewards.example',
  });

describe('message templates', () => {
  it('signs with the sender and the business, or the business alone, never twice', () => {
    const sms = DEFAULT_TEMPLATES.thank_you.sms!;
    expect(renderMessage(sms, 'sms', values('Jane Agent')).bodyText).toContain('– Jane Agent, Acme Realty. Reply STOP');
    expect(renderMessage(sms, 'sms', values(null)).bodyText).toContain('– Acme Realty. Reply STOP');
    expect(renderMessage(DEFAULT_TEMPLATES.thank_you.email, 'email', values(null)).bodyText).not.toContain(
      'Acme Realty\nAcme Realty',
    );
  });

  it('escapes values in HTML but not in text, and keeps subjects on one line', () => {
    const hostile = { ...values(null), referrerFirstName: '<b>Jess</b>\r\nBcc: x@evil.example' };
    const rendered = renderMessage(DEFAULT_TEMPLATES.thank_you.email, 'email', hostile);
    expect(rendered.bodyHtml).toContain('&lt;b&gt;Jess&lt;/b&gt;');
    expect(rendered.bodyText).toContain('<b>Jess</b>');
    expect(rendered.subject).not.toMatch(/[\r\n]/);
  });

  it('finds variables that do not exist', () => {
    expect(unknownVariables('Hi {{referrerFirstName}} and {{ firstName }}')).toEqual(['firstName']);
    expect(unknownVariables(DEFAULT_TEMPLATES.thank_you.email.bodyText)).toEqual([]);
  });

  it('cuts an over-long text at a word, with an ellipsis', () => {
    const long = `${'word '.repeat(100)}end`;
    const cut = guardSmsLength(long);
    expect(cut.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(cut.endsWith('word…')).toBe(true);
    expect(guardSmsLength('short')).toBe('short');
  });
});
