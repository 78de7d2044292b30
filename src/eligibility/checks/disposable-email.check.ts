import { emailDomain } from '../../participants/identity.core.js';
import type { Check } from '../eligibility.types.js';

export const disposableEmail: Check = {
  type: 'disposable_email',
  label: 'Disposable email',
  excludable: true,
  evaluate({ referred, disposableDomains }) {
    if (!referred.email) return { passed: true, reason: 'The referred customer has no email address.', evidence: {} };
    const domain = emailDomain(referred.email);
    if (disposableDomains.has(domain)) {
      return {
        passed: false,
        flag: 'disposable_email',
        reason: `${referred.name} signed up with a disposable email address (${domain}).`,
        evidence: { email: referred.email, domain },
        score: [{ signal: 'disposable_email', points: 30, detail: `disposable domain ${domain}` }],
      };
    }
    return { passed: true, reason: `${domain} is not a known disposable email domain.`, evidence: { domain } };
  },
};
