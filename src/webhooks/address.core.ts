/**
 * Which addresses an outgoing webhook may reach. A webhook URL is chosen by a user, so without
 * this check it could make the server call its own loopback, the cloud metadata service
 * (169.254.169.254) or the private network behind it (SSRF). Pure: the caller resolves DNS and
 * asks about every address a name resolves to, and connects only to an address it checked.
 */

/** An IPv4 address as four numbers, or undefined when `value` is not dotted-quad IPv4. */
function parseIpv4(value: string): number[] | undefined {
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const numbers = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return numbers.every((n) => n >= 0 && n <= 255) ? numbers : undefined;
}

/** An IPv6 address as eight 16-bit groups (embedded IPv4 and `::` expanded), or undefined. */
function parseIpv6(input: string): number[] | undefined {
  let value = input.replace(/^\[|\]$/g, '');
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  if (!value.includes(':')) return undefined;
  const lastColon = value.lastIndexOf(':');
  const maybeV4 = value.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // a.b.c.d at the end is the last two groups, written in decimal.
    const v4 = parseIpv4(maybeV4);
    if (!v4) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = v4;
    value = `${value.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = toGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  const valid = (group: string) => /^[0-9a-f]{1,4}$/i.test(group);
  if (![...head, ...rest].every(valid)) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 && known !== 8) return undefined;
  if (halves.length === 2 && known > 7) return undefined;
  const zeros = halves.length === 2 ? new Array(8 - known).fill(0) : [];
  return [...head.map((g) => Number.parseInt(g, 16)), ...zeros, ...rest.map((g) => Number.parseInt(g, 16))];
}

function ipv4IsPublic([a = 0, b = 0, c = 0]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127) return false; // this network, private, loopback
  if (a === 169 && b === 254) return false; // link-local (cloud metadata)
  if (a === 172 && b >= 16 && b <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a >= 224) return false; // multicast, reserved, broadcast
  return true;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether a resolved address (IPv4 or IPv6, bracketed or not) is on the public internet.
 * IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`, compatible, NAT64 `64:ff9b::`, 6to4 `2002::`) is
 * judged as the IPv4 address it carries.
 */
export function checkAddress(address: string): AddressVerdict {
  const v4 = parseIpv4(address);
  if (v4)
    return ipv4IsPublic(v4) ? { allowed: true } : { allowed: false, reason: `${address} is not a public address` };
  const g = parseIpv6(address);
  if (!g) return { allowed: false, reason: `${address} is not an IP address` };
  const refuse = { allowed: false as const, reason: `${address} is not a public address` };
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  const allZeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, also :: and ::1), ::ffff:0:a.b.c.d (translated)
  if (allZeroTo(5) && (g5 === 0xffff || g5 === 0)) {
    if (g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return refuse; // :: and ::1
    return ipv4IsPublic(embedded(g6, g7)) ? { allowed: true } : refuse;
  }
  if (allZeroTo(4) && g4 === 0xffff && g5 === 0) return ipv4IsPublic(embedded(g6, g7)) ? { allowed: true } : refuse;
  if (g0 === 0x64 && g1 === 0xff9b) return ipv4IsPublic(embedded(g6, g7)) ? { allowed: true } : refuse;
  if (g0 === 0x2002) return ipv4IsPublic(embedded(g1, g2)) ? { allowed: true } : refuse;
  if ((g0 & 0xfe00) === 0xfc00) return refuse; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return refuse; // link-local, site-local
  if ((g0 & 0xff00) === 0xff00) return refuse; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return refuse; // documentation
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return refuse; // discard-only
  if (g0 === 0) return refuse; // the rest of ::/16 is reserved
  return { allowed: true };
}

/** The URLs a webhook endpoint may have: http(s), no credentials in them. */
export function checkEndpointUrl(value: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'Must be an absolute URL, e.g. https://example.com/webhooks.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, reason: 'Must be an http or https URL.' };
  if (url.username || url.password) return { ok: false, reason: 'Must not contain a user name or password.' };
  return { ok: true, url };
}
