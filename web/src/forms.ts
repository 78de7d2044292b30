import type { z } from 'zod';
import { toMinor } from './format';

/** What is wrong with a form, by the API field's path ("autoApproval.maxAmount", "tiers.0.amount"). */
export type Issues = Record<string, string>;

/**
 * Reads a form's text into the API's body, then checks the body with the server's own input
 * schema, so a form refuses exactly what the API would and says so next to the field. Text that
 * cannot become the API's type at all (an amount, a whole number) is an issue at that field.
 */
export class FormReader {
  readonly issues: Issues = {};

  /** "25.00" → 2500 in the currency's minor units; empty → null. */
  amount(text: string, currency: string, path: string): number | null {
    if (!text.trim()) return null;
    const minor = toMinor(text, currency);
    if (minor === null) this.issue(path, `Write an amount such as 25.00 (${currency}).`);
    return minor ?? 0;
  }

  /** "12" → 12; empty → null. */
  whole(text: string, path: string): number | null {
    if (!text.trim()) return null;
    if (!/^\d+$/.test(text.trim())) this.issue(path, 'Write a whole number, such as 3.');
    return Number(text.trim()) || 0;
  }

  /** "12.5" → 12.5; empty → null. */
  decimal(text: string, path: string): number | null {
    if (!text.trim()) return null;
    if (!/^\d+(\.\d+)?$/.test(text.trim())) this.issue(path, 'Write a number, such as 12.5.');
    return Number(text.trim()) || 0;
  }

  /** The body as the schema parses it, or null when this form or the schema found an issue. */
  check<S extends z.ZodType>(schema: S, body: unknown): z.output<S> | null {
    const result = schema.safeParse(body);
    if (!result.success) {
      for (const issue of result.error.issues) this.issue(issue.path.join('.'), issue.message);
    }
    return result.success && Object.keys(this.issues).length === 0 ? result.data : null;
  }

  private issue(path: string, message: string) {
    this.issues[path] ??= message;
  }
}
