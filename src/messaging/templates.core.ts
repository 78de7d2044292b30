/**
 * Message templates with a closed set of variables. Values are HTML-escaped in HTML bodies; an
 * unknown variable is refused when a template is saved, so a typo never reaches a referrer.
 */
import { escapeHtml } from '../shared/html.js';
/** `welcome`: a double-sided program's message to the referred person when their own reward is sent. */
export const MESSAGE_KINDS = ['thank_you', 'reward_ready', 'reward_issued', 'invitation', 'welcome'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const TEMPLATE_VARIABLES = [
  'referrerFirstName',
  'referrerName',
  'referredFirstName',
  'rewardSummary',
  'businessName',
  'senderName',
  /** "Jane Agent, Acme Realty", or only the business when no sender name is set. */
  'signature',
  'rewardUrl',
  'unsubscribeUrl',
  /** The referrer's permanent referral link (/r/{workspace}/{code}). */
  'referralUrl',
  /** The referrer's own private page (/p/{token}). */
  'pageUrl',
  /** Thank-yous: the signed rating page of this message; add ?score=1..5 for one-click links. */
  'ratingUrl',
  /** A discount-code reward's code (empty for other rewards). */
  'code',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string>;

/** Two GSM-7 segments; longer texts cost more and read badly. */
export const SMS_MAX_LENGTH = 320;

export interface Template {
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
}

export const DEFAULT_TEMPLATES: Record<MessageKind, { email: Template; sms: Template | null }> = {
  thank_you: {
    email: {
      subject: 'Thank you, {{referrerFirstName}}!',
      bodyText:
        'Hi {{referrerFirstName}},\n\nThank you for referring someone to {{businessName}}. Your reward is on its way: {{rewardSummary}}.\n\nWe really appreciate your trust.\n\nHow was referring with us, from 1 to 5? {{ratingUrl}}\nYour page: {{pageUrl}}\n\n{{signature}}\n\nDon’t want these emails? {{unsubscribeUrl}}',
      bodyHtml:
        '<p>Hi {{referrerFirstName}},</p><p>Thank you for referring someone to {{businessName}}. Your reward is on its way: <strong>{{rewardSummary}}</strong>.</p><p>We really appreciate your trust.</p><p>How was referring with us? <a href="{{ratingUrl}}?score=1">1</a> · <a href="{{ratingUrl}}?score=2">2</a> · <a href="{{ratingUrl}}?score=3">3</a> · <a href="{{ratingUrl}}?score=4">4</a> · <a href="{{ratingUrl}}?score=5">5</a> (5 = great). <a href="{{pageUrl}}">Your page</a></p><p>{{signature}}</p><p style="font-size:12px;color:#666">Don’t want these emails? <a href="{{unsubscribeUrl}}">Unsubscribe</a>.</p>',
    },
    sms: {
      subject: null,
      bodyText:
        'Hi {{referrerFirstName}}, thank you for your referral! Your reward ({{rewardSummary}}) is on its way. How did we do? Reply 1-5. Your page: {{pageUrl}} – {{signature}}. Reply STOP to opt out.',
      bodyHtml: null,
    },
  },
  reward_issued: {
    email: {
      subject: 'Your referral reward has been issued',
      bodyText:
        'Hi {{referrerFirstName}},\n\nYour referral reward has been issued: {{rewardSummary}}.\n\n{{signature}}\n\nDon’t want these emails? {{unsubscribeUrl}}',
      bodyHtml:
        '<p>Hi {{referrerFirstName}},</p><p>Your referral reward has been issued: <strong>{{rewardSummary}}</strong>.</p><p>{{signature}}</p><p style="font-size:12px;color:#666"><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
    },
    sms: {
      subject: null,
      bodyText:
        'Hi {{referrerFirstName}}, your referral reward has been issued: {{rewardSummary}}. – {{businessName}}. Reply STOP to opt out.',
      bodyHtml: null,
    },
  },
  welcome: {
    email: {
      subject: 'Welcome to {{businessName}}, {{referredFirstName}}!',
      bodyText:
        'Hi {{referredFirstName}},\n\nWelcome to {{businessName}}! {{referrerName}} referred you, so here is a reward of your own: {{rewardSummary}}.\n\nKnow someone else who could use us? Share your own link: {{referralUrl}}\nYour page: {{pageUrl}}\n\n{{signature}}\n\nDon’t want these emails? {{unsubscribeUrl}}',
      bodyHtml:
        '<p>Hi {{referredFirstName}},</p><p>Welcome to {{businessName}}! {{referrerName}} referred you, so here is a reward of your own: <strong>{{rewardSummary}}</strong>.</p><p>Know someone else who could use us? Share your own link: <a href="{{referralUrl}}">{{referralUrl}}</a> · <a href="{{pageUrl}}">Your page</a></p><p>{{signature}}</p><p style="font-size:12px;color:#666">Don’t want these emails? <a href="{{unsubscribeUrl}}">Unsubscribe</a>.</p>',
    },
    sms: {
      subject: null,
      bodyText:
        'Hi {{referredFirstName}}, welcome to {{businessName}}! {{referrerName}} referred you, so here is your reward: {{rewardSummary}}. Your page: {{pageUrl}} – {{signature}}. Reply STOP to opt out.',
      bodyHtml: null,
    },
  },
  invitation: {
    email: {
      subject: 'Know someone who needs {{businessName}}?',
      bodyText:
        'Hi {{referrerFirstName}},\n\nThank you for choosing {{businessName}} — we’re glad the job went well. If you know someone who could use us, share your personal link: {{referralUrl}}\n\nYour page shows your link, a QR code and your rewards: {{pageUrl}}\n\n{{signature}}\n\nDon’t want these emails? {{unsubscribeUrl}}',
      bodyHtml:
        '<p>Hi {{referrerFirstName}},</p><p>Thank you for choosing {{businessName}} — we’re glad the job went well. If you know someone who could use us, share your personal link:</p><p><a href="{{referralUrl}}">{{referralUrl}}</a></p><p><a href="{{pageUrl}}">Your page</a> shows your link, a QR code and your rewards.</p><p>{{signature}}</p><p style="font-size:12px;color:#666">Don’t want these emails? <a href="{{unsubscribeUrl}}">Unsubscribe</a>.</p>',
    },
    sms: {
      subject: null,
      bodyText:
        'Hi {{referrerFirstName}}, thanks for choosing {{businessName}}! Know someone who needs us? Share your link: {{referralUrl}} Your page: {{pageUrl}} Reply STOP to opt out.',
      bodyHtml: null,
    },
  },
  reward_ready: {
    email: {
      subject: 'Referral reward ready to send: {{referrerName}}',
      bodyText:
        'A referral reward is approved and ready to send.\n\nPay to: {{referrerName}}\nReward: {{rewardSummary}}\n\nFulfil it, then mark it sent: {{rewardUrl}}',
      bodyHtml:
        '<p>A referral reward is approved and ready to send.</p><p>Pay to: <strong>{{referrerName}}</strong><br>Reward: <strong>{{rewardSummary}}</strong></p><p><a href="{{rewardUrl}}">Open the reward</a>, fulfil it, then click “Mark reward sent”.</p>',
    },
    sms: null,
  },
};

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+)\s*\}\}/g;

export function unknownVariables(template: string): string[] {
  const known = new Set<string>(TEMPLATE_VARIABLES);
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '').filter((name) => !known.has(name));
}

export function renderTemplate(template: string, values: TemplateValues, html = false): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name as TemplateVariable];
    return html ? escapeHtml(value) : value;
  });
}

/** SMS bodies over the limit are cut at a word boundary with an ellipsis, never mid-word. */
export function guardSmsLength(body: string, max = SMS_MAX_LENGTH): string {
  if (body.length <= max) return body;
  const cut = body.slice(0, max - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > max * 0.6 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

export interface RenderedMessage {
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
}

export function renderMessage(template: Template, channel: 'email' | 'sms', values: TemplateValues): RenderedMessage {
  const bodyText = renderTemplate(template.bodyText, values);
  return {
    subject: template.subject ? renderTemplate(template.subject, values).replace(/[\r\n]+/g, ' ') : null,
    bodyText: channel === 'sms' ? guardSmsLength(bodyText) : bodyText,
    bodyHtml: channel === 'email' && template.bodyHtml ? renderTemplate(template.bodyHtml, values, true) : null,
  };
}
