const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * An `htu` (or a request URI) as RFC 9449 section 4.3 compares it: scheme and host lower-cased, the
 * default port dropped, dot segments removed, percent-encodings upper-cased and unreserved characters
 * decoded (RFC 3986 sections 6.2.2 and 6.2.3); query and fragment left out. `null`: not an http(s) URI.
 */
export function normalizeHtu(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path || '/'}`;
}
