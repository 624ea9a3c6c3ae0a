/** Shortest server secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 32;
/** Least estimated entropy accepted, in bits. */
export const MIN_SECRET_BITS = 128;
/** Most adjacent pairs that may repeat or step by one (`aa`, `ab`, `ba`), as a share of all pairs (random hex: ~17 %, above 43 % in none of 300,000 tries). */
const MAX_STEP_SHARE = 0.55;
/** Least share of distinct 3-symbol windows (a repeated phrase has few; random text nearly all). */
const MIN_DISTINCT_WINDOWS = 0.5;

/** A command that prints a good secret (32 random bytes, base64url). */
export const SECRET_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;

/** The rule, as error messages and the README state it. */
export const SECRET_RULE =
  `at least ${MIN_SECRET_BYTES} bytes carrying at least ${MIN_SECRET_BITS} bits by a simple estimate (length × the Shannon entropy of its ` +
  `symbol frequencies), not a repeated phrase (at least half of its 3-symbol windows distinct), and with at most 55 % of ` +
  `neighbouring symbols repeating or counting up or down (like "aa" or "abc"); ` +
  `generate one with ${SECRET_COMMAND}`;

/**
 * The one place that judges a server secret. Random secrets pass with room to spare (32 random
 * bytes in base64url estimate at ~215 bits); typed phrases, repeats and keyboard runs do not. An
 * estimate cannot prove randomness, it only refuses what is visibly not random.
 */
export function isStrongSecret(secret: string | Buffer): boolean {
  const symbols = Buffer.isBuffer(secret) ? [...secret] : [...secret].map((c) => c.codePointAt(0) as number);
  const bytes = Buffer.isBuffer(secret) ? secret.length : Buffer.byteLength(secret);
  if (bytes < MIN_SECRET_BYTES) return false;
  return estimatedBits(symbols) >= MIN_SECRET_BITS && stepShare(symbols) <= MAX_STEP_SHARE && distinctWindows(symbols) >= MIN_DISTINCT_WINDOWS;
}

function distinctWindows(symbols: number[]): number {
  const windows = new Set<string>();
  for (let i = 2; i < symbols.length; i++) windows.add(`${symbols[i - 2]},${symbols[i - 1]},${symbols[i]}`);
  return windows.size / Math.max(1, symbols.length - 2);
}

function estimatedBits(symbols: number[]): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let perSymbol = 0;
  for (const n of counts.values()) perSymbol -= (n / symbols.length) * Math.log2(n / symbols.length);
  return perSymbol * symbols.length;
}

function stepShare(symbols: number[]): number {
  let steps = 0;
  for (let i = 1; i < symbols.length; i++) if (Math.abs(symbols[i] - symbols[i - 1]) <= 1) steps++;
  return steps / Math.max(1, symbols.length - 1);
}
