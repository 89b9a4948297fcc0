/**
 * String formats a contract field may declare (`logicalTypeOptions.format`), each a fast predicate.
 *
 * The regular expressions follow ajv-formats' "fast" mode where one exists (email, uuid,
 * hostname, date, date-time) so a compiled contract accepts what a JSON Schema validator accepts.
 */
import { ISO_COUNTRY_CODES, ISO_CURRENCY_CODES } from './iso-codes.js';

/** A format check: true when the string conforms. */
export type FormatCheck = (value: string) => boolean;

// ajv-formats' fast email pattern, but the domain must have a dot and an alphabetic top-level
// domain: CRM addresses are Internet mail, and "jane@acme" is a typo, not a local mailbox.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$/i;
const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i;
const DATE = /^(\d\d\d\d)-(\d\d)-(\d\d)$/;
const DATE_TIME = /^(\d\d\d\d)-(\d\d)-(\d\d)[t\s](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;
const E164 = /^\+[1-9]\d{1,14}$/;
const URI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function validDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= (m === 2 && isLeap(y) ? 29 : (DAYS[m] ?? 0));
}

/** True for a calendar date `YYYY-MM-DD` that exists. */
export function isDate(value: string): boolean {
  const m = DATE.exec(value);
  return m !== null && validDate(+m[1]!, +m[2]!, +m[3]!);
}

/** True for an RFC 3339 date-time with a zone (`2026-03-01T12:00:00.000Z`). */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  return m !== null && validDate(+m[1]!, +m[2]!, +m[3]!) && +m[4]! <= 23 && +m[5]! <= 59 && +m[6]! <= 60;
}

/** Every format Verity knows, by the name a contract uses. */
export const FORMATS: Readonly<Record<string, FormatCheck>> = {
  email: (v) => EMAIL.test(v),
  uuid: (v) => UUID.test(v),
  hostname: (v) => HOSTNAME.test(v),
  uri: (v) => URI.test(v),
  date: isDate,
  'date-time': isDateTime,
  'iso-3166-alpha2': (v) => ISO_COUNTRY_CODES.has(v),
  'iso-4217': (v) => ISO_CURRENCY_CODES.has(v),
  e164: (v) => E164.test(v),
};

/** Other spellings contracts use for the same formats. */
const ALIASES: Readonly<Record<string, string>> = {
  country: 'iso-3166-alpha2',
  'iso3166-alpha2': 'iso-3166-alpha2',
  'iso-3166-1-alpha-2': 'iso-3166-alpha2',
  currency: 'iso-4217',
  iso4217: 'iso-4217',
  phone: 'e164',
  'e.164': 'e164',
  datetime: 'date-time',
};

/** The canonical name of a format, or undefined when Verity does not know it. */
export function canonicalFormat(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower in FORMATS) return lower;
  return ALIASES[lower];
}

/** The JSON Schema expression of a Verity format (a standard `format`, or a `pattern`/`enum`). */
export function formatToJsonSchema(name: string): Record<string, unknown> {
  switch (name) {
    case 'iso-3166-alpha2':
      return { enum: [...ISO_COUNTRY_CODES] };
    case 'iso-4217':
      return { enum: [...ISO_CURRENCY_CODES] };
    case 'e164':
      return { pattern: E164.source };
    default:
      return { format: name };
  }
}
