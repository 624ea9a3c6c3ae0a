import { normalizeHtu } from './dpop-htu';

describe('normalizeHtu (RFC 9449 section 4.3)', () => {
  it.each([
    ['HTTPS://API.Example.com:443/a/./b/../c?q=1#f', 'https://api.example.com/a/c'],
    ['http://api.example.com:80', 'http://api.example.com/'],
    ['https://api.example.com/%7euser/%2f', 'https://api.example.com/~user/%2F'],
    ['https://api.example.com:8443/x', 'https://api.example.com:8443/x'],
  ])('%s is %s', (given, normal) => expect(normalizeHtu(given)).toBe(normal));

  it.each([undefined, 42, '', '/relative', 'ftp://api.example.com/x', 'https://user:pw@api.example.com/', `https://a.example/${'x'.repeat(3000)}`])(
    'refuses %p',
    (given) => expect(normalizeHtu(given)).toBeNull(),
  );
});
