/**
 * ISO 4217 currencies in circulation and their minor units. Amounts everywhere are integers in
 * minor units, so the exponent decides what "2500" means: 25.00 USD, 2500 JPY, 2.500 KWD.
 * Kept as data (not Intl) because CLDR's display digits differ from ISO's for a few currencies.
 */
const ZERO_DECIMAL = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
];
const THREE_DECIMAL = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const FOUR_DECIMAL = ['CLF', 'UYW'];
const TWO_DECIMAL = [
  'AED',
  'AFN',
  'ALL',
  'AMD',
  'ANG',
  'AOA',
  'ARS',
  'AUD',
  'AWG',
  'AZN',
  'BAM',
  'BBD',
  'BDT',
  'BGN',
  'BMD',
  'BND',
  'BOB',
  'BRL',
  'BSD',
  'BTN',
  'BWP',
  'BYN',
  'BZD',
  'CAD',
  'CDF',
  'CHF',
  'CNY',
  'COP',
  'CRC',
  'CUP',
  'CVE',
  'CZK',
  'DKK',
  'DOP',
  'DZD',
  'EGP',
  'ERN',
  'ETB',
  'EUR',
  'FJD',
  'FKP',
  'GBP',
  'GEL',
  'GHS',
  'GIP',
  'GMD',
  'GTQ',
  'GYD',
  'HKD',
  'HNL',
  'HTG',
  'HUF',
  'IDR',
  'ILS',
  'INR',
  'IRR',
  'JMD',
  'KES',
  'KGS',
  'KHR',
  'KPW',
  'KYD',
  'KZT',
  'LAK',
  'LBP',
  'LKR',
  'LRD',
  'LSL',
  'MAD',
  'MDL',
  'MGA',
  'MKD',
  'MMK',
  'MNT',
  'MOP',
  'MRU',
  'MUR',
  'MVR',
  'MWK',
  'MXN',
  'MYR',
  'MZN',
  'NAD',
  'NGN',
  'NIO',
  'NOK',
  'NPR',
  'NZD',
  'PAB',
  'PEN',
  'PGK',
  'PHP',
  'PKR',
  'PLN',
  'QAR',
  'RON',
  'RSD',
  'RUB',
  'SAR',
  'SBD',
  'SCR',
  'SDG',
  'SEK',
  'SGD',
  'SHP',
  'SLE',
  'SOS',
  'SRD',
  'SSP',
  'STN',
  'SVC',
  'SYP',
  'SZL',
  'THB',
  'TJS',
  'TMT',
  'TOP',
  'TRY',
  'TTD',
  'TWD',
  'TZS',
  'UAH',
  'USD',
  'UYU',
  'UZS',
  'VES',
  'WST',
  'XCD',
  'YER',
  'ZAR',
  'ZMW',
  'ZWG',
];

const MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ...ZERO_DECIMAL.map((code) => [code, 0] as const),
  ...TWO_DECIMAL.map((code) => [code, 2] as const),
  ...THREE_DECIMAL.map((code) => [code, 3] as const),
  ...FOUR_DECIMAL.map((code) => [code, 4] as const),
]);

export const CURRENCY_CODES: readonly string[] = [...MINOR_UNITS.keys()].sort();

/** The largest amount the API accepts, in minor units (10^12: 10 billion dollars). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

export function isCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS.get(currency);
  if (digits === undefined) throw new Error(`Unknown currency ${currency}`);
  return digits;
}

/**
 * `decimalAmount(123456, 'USD')` → `1234.56`; `-5, 'KWD'` → `-0.005`: exact for any integer (no
 * floats). With `grouped`, thousands are separated: `1,234.56`.
 */
export function decimalAmount(amountMinor: number, currency: string, options: { grouped?: boolean } = {}): string {
  const digits = minorUnits(currency);
  const negative = amountMinor < 0;
  const text = Math.abs(amountMinor)
    .toString()
    .padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  const shown = options.grouped ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  return `${negative ? '-' : ''}${shown}${fraction}`;
}

/** `formatMoney(123456, 'USD')` → `1,234.56 USD`; exact for any integer amount (no floats). */
export function formatMoney(amountMinor: number, currency: string): string {
  return `${decimalAmount(amountMinor, currency, { grouped: true })} ${currency}`;
}
