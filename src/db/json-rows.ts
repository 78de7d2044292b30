/**
 * Rows built with `to_jsonb(...)` in SQL come back with snake_case keys and timestamps as
 * strings. This turns the top level of such an object into the shape drizzle returns: camelCase
 * keys and Date values for `*_at` columns. Nested JSON values (evidence, tiers, checks) are kept
 * exactly as stored.
 */
export function fromJsonRow<T>(value: unknown): T {
  if (value === null || value === undefined) return value as T;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[camel] = key.endsWith('_at') && typeof field === 'string' ? new Date(field) : field;
  }
  return out as T;
}

export function fromJsonRows<T>(value: unknown): T[] {
  return Array.isArray(value) ? value.map((item) => fromJsonRow<T>(item)) : [];
}

/** `db.execute()` answers `{ rows }` on both drivers; this names that shape once. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
