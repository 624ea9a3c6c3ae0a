import fc from 'fast-check';
import { crc32 } from 'node:zlib';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_SHAPE = /ntk_(?:at|rt)_[0-9A-Za-z]{50}/g;

/**
 * The test's own reading of the token format (DESIGN.md: base62, CRC32 checksum), kept apart from
 * lib/token-format.ts so that a parser accepting garbage cannot also hide it: a case counts as a
 * checksum failure unless it holds a substring that really is a well-formed token.
 */
export function holdsWellFormedToken(text: string): boolean {
  return [...text.matchAll(TOKEN_SHAPE)].some(([token]) => checksum(token.slice(0, -6)) === token.slice(-6));
}

/** A token with a valid checksum that no server issued: passes parsing, must cost one lookup. */
export function forgeToken(kind: 'at' | 'rt', body44: string): string {
  const unsigned = `ntk_${kind}_${body44}`;
  return unsigned + checksum(unsigned);
}

function checksum(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < 6; i++, value = Math.floor(value / 62)) out = BASE62[value % 62] + out;
  return out;
}

/** fast-check runs, scaled by `FUZZ_SCALE` (e.g. 10 for a deeper run than the quick default). */
export const runs = (base: number) => Math.max(1, Math.round(base * Number(process.env.FUZZ_SCALE ?? 1)));

/** Characters that tend to break parsers, mixed with arbitrary code points and plain ASCII. */
const nasty = fc.constantFrom('\u0000', '\t', ' ', '\u000b', '\u007f', '\u0085', '\u00a0', '\u00ff', '\u200b', '\u2028', '\ufeff', '\ud800', '\udfff', '😀', 'é', 'ß', '_', '"', '\\', ',', '=', ':', '%00');
/** One unit of a hostile string (usable as fast-check's `stringUnit`). */
export const hostileUnit = fc.oneof(
  { weight: 1, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Any string, biased towards control characters, lone surrogates, non-ASCII and separators. */
export const hostileString = (maxLength: number) => fc.string({ unit: hostileUnit, maxLength });

/** A base62 string of exactly `length` characters. */
export const base62 = (length: number) => fc.string({ unit: fc.constantFrom(...BASE62), minLength: length, maxLength: length });

/** Runs of spaces and tabs. */
export const blanks = (maxLength: number) => fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength });

/** Counts what a fuzz run saw, for the printed figures. */
export class Tally {
  readonly statuses = new Map<string, number>();
  requests = 0;
  checksumFailures = 0;
  checksumFailureQueries = 0;
  wellFormedUnknown = 0;
  wellFormedUnknownQueries = 0;

  see(status: number | string): void {
    this.requests++;
    this.statuses.set(String(status), (this.statuses.get(String(status)) ?? 0) + 1);
  }

  get serverErrors(): number {
    return [...this.statuses].filter(([status]) => status.startsWith('5')).reduce((sum, [, n]) => sum + n, 0);
  }

  line(label: string): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const byStatus = [...this.statuses].sort().map(([s, c]) => `${s}: ${n(c)}`).join(', ');
    return (
      `[fuzz] ${label}: ${n(this.requests)} requests (${byStatus}): ${this.serverErrors} × 5xx` +
      (this.checksumFailures ? `, ${n(this.checksumFailureQueries)} DB queries for ${n(this.checksumFailures)} checksum failures` : '') +
      (this.wellFormedUnknown ? `, ${n(this.wellFormedUnknownQueries)} for ${n(this.wellFormedUnknown)} well-formed unknown tokens` : '') +
      '\n'
    );
  }
}
