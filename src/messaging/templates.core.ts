/**
 * Message templates with a closed set of variables. Values are HTML-escaped in HTML bodies; an
 * unknown variable is refused when a template is saved, so a typo never reaches a referrer.
 */
import { escapeHtml } from '../shared/html.js';
export const MESSAGE_KINDS = ['thank_you', 'reward_ready', 'reward_issued'] as const;
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
        'Hi {{referrerFirstName}},\n\nThank you for referring someone to {{businessName}}. Your reward is on its way: {{rewardSummary}}.\n\nWe really appreciate your trust.\n\n{{signature}}\n\nDon’t want these emails? {{unsubscribeUrl}}',
      bodyHtml:
        '<p>Hi {{referrerFirstName}},</p><p>Thank you for referring someone to {{businessName}}. Your reward is on its way: <strong>{{rewardSummary}}</strong>.</p><p>We really appreciate your trust.</p><p>{{signature}}</p><p style="font-size:12px;color:#666">Don’t want these emails? <a href="{{unsubscribeUrl}}">Unsubscribe</a>.</p>',
    },
    sms: {
      subject: null,
      bodyText:
        'Hi {{referrerFirstName}}, thank you for your referral! Your reward ({{rewardSummary}}) is on its way. – {{signature}}. Reply STOP to opt out.',
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
  reward_ready: {
    email: {
      subject: 'Referral reward ready to send: {{referrerName}}',
      bodyText:
        'A referral reward is approved and ready to send.\n\nReferrer: {{referrerName}}\nReward: {{rewardSummary}}\n\nFulfil it, then mark it sent: {{rewardUrl}}',
      bodyHtml:
        '<p>A referral reward is approved and ready to send.</p><p>Referrer: <strong>{{referrerName}}</strong><br>Reward: <strong>{{rewardSummary}}</strong></p><p><a href="{{rewardUrl}}">Open the reward</a>, fulfil it, then click “Mark reward sent”.</p>',
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
