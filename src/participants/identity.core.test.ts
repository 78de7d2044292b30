import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeLoose, normalizePhone } from './identity.core.js';

describe('email normalisation for matching people', () => {
  it.each([
    ['Jessica.Alvarez@Gmail.com', 'jessicaalvarez@gmail.com'],
    ['j.e.s.s+referral@gmail.com', 'jess@gmail.com'],
    ['jess@googlemail.com', 'jess@gmail.com'],
    ['JESS+promo@GoogleMail.com', 'jess@gmail.com'],
    ['j.smith@example.com', 'j.smith@example.com'], // other domains keep their dots
    ['J.Smith+tag@Example.COM', 'j.smith@example.com'], // but drop +tags and case
    ['  sam@example.org ', 'sam@example.org'],
    ['+weird@example.org', '+weird@example.org'], // a local part that is only a tag is left alone
  ])('%s → %s', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it('does not merge different people on other domains', () => {
    expect(normalizeEmail('jsmith@example.com')).not.toBe(normalizeEmail('j.smith@example.com'));
  });
});

describe('phone normalisation to E.164', () => {
  it.each([
    ['(415) 555-0142', 'US', '+14155550142'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['+1 415 555 0142', 'GB', '+14155550142'],
  ])('%s in %s → %s', (input, country, expected) => {
    expect(normalizePhone(input, country)).toEqual({ ok: true, e164: expected });
  });

  it('refuses what is not a phone number', () => {
    expect(normalizePhone('call me maybe', 'US').ok).toBe(false);
    expect(normalizePhone('123', 'US').ok).toBe(false);
  });
});

describe('loose comparison of names and addresses', () => {
  it('ignores case, accents, punctuation and spacing', () => {
    expect(normalizeLoose('  José  Núñez ')).toBe(normalizeLoose('jose nunez'));
    expect(normalizeLoose('12 Main St., Apt 4')).toBe(normalizeLoose('12 main st apt 4'));
  });
});
