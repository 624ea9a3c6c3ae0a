import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { secureRandomBytes } from '../secure-random';

/** The successor pair of one rotation, as handed to the client. */
export interface SuccessorPair {
  access: string;
  refresh: string;
}

/** What binds a seal to one predecessor row (its id and session). */
export interface SealedRow {
  id: string;
  familyId: string;
}

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_LABEL = 'nest-token-auth/successor-seal/v1.';

/**
 * The one place that seals and opens a rotation's successor pair. Successors are random; to answer a
 * retried refresh with the byte-identical pair, the pair is kept on the spent row for the grace
 * window only, encrypted (AES-256-GCM) under a key derived from the predecessor's own secret. The
 * server never stores that secret (only its HMAC), so neither the database, nor the database plus
 * the server secret, opens a seal: only the holder of the predecessor token does, and the server
 * wipes the seal once the grace window has passed (`SealSweeper`, backed by the purge).
 */
export function sealSuccessors(row: SealedRow, predecessorSecret: string, pair: SuccessorPair): string {
  const iv = secureRandomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(row, predecessorSecret), iv);
  cipher.setAAD(Buffer.from(aadOf(row)));
  const body = Buffer.concat([cipher.update(`${pair.access} ${pair.refresh}`, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The pair sealed on `row`, or `null` when the seal is absent, damaged or not made with this secret. */
export function openSuccessors(row: SealedRow, predecessorSecret: string, sealed: string | null): SuccessorPair | null {
  if (!sealed || !sealed.startsWith(VERSION)) return null;
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(row, predecessorSecret), raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aadOf(row)));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    const [access, refresh, extra] = text.split(' ');
    return access && refresh && extra === undefined ? { access, refresh } : null;
  } catch {
    // A wrong key or a tampered seal fails GCM's authentication check.
    return null;
  }
}

/** The predecessor secret carries 190 random bits, so one keyed hash is a sound key derivation. */
function keyOf(row: SealedRow, secret: string): Buffer {
  return createHmac('sha256', secret).update(KEY_LABEL + row.id).digest();
}

function aadOf(row: SealedRow): string {
  return `${row.id}.${row.familyId}`;
}
