import { connect } from 'node:net';

/** What came back on the wire; `status` is 0 when the server closed without answering. */
export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte. supertest (Node's HTTP client) refuses header values
 * outside latin1 and control characters, so hostile headers go through a plain socket.
 */
export function rawRequest(url: string, method: string, path: string, headers: Array<[string, Buffer | string]>, body: Buffer | string = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const lines: Buffer[] = [Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`, 'latin1')];
  for (const [name, value] of headers) lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'), Buffer.from('\r\n'));
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  lines.push(Buffer.from(`Content-Length: ${payload.length}\r\n\r\n`, 'latin1'), payload);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer within 5 s to ${method} ${path}`)));
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer (431, 400) and reset before it has read all we wrote: keep what arrived.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = (split === -1 ? raw : raw.subarray(0, split)).toString('latin1');
      const body = split === -1 ? '' : raw.subarray(split + 4).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    });
    // No half-close: Node's server drops a request whose client ends its side before the answer is ready.
    // `Connection: close` makes the server close the socket once it has answered.
    socket.write(Buffer.concat(lines));
  });
}

/** The size in bytes of the request head `rawRequest` sends, to tell Node's own 431 from the app's answers. */
export function headSize(url: string, method: string, path: string, headers: Array<[string, Buffer | string]>): number {
  const { hostname, port } = new URL(url);
  let size = Buffer.byteLength(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  for (const [name, value] of headers) size += name.length + 4 + (Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value, 'latin1'));
  return size;
}
