import { clientAddressKey } from './client-ip';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses as they are', () => {
    expect(clientAddressKey('198.51.100.7', 64)).toBe('198.51.100.7');
  });

  it('reads IPv4-mapped IPv6 as the IPv4 address, in either notation', () => {
    expect(clientAddressKey('::ffff:198.51.100.7', 64)).toBe('198.51.100.7');
    expect(clientAddressKey('::FFFF:c633:6407', 64)).toBe('198.51.100.7');
    expect(clientAddressKey('0:0:0:0:0:ffff:198.51.100.7', 128)).toBe('198.51.100.7');
  });

  it('cuts IPv6 to its /64 by default, whatever the notation', () => {
    const key = clientAddressKey('2001:db8:1:2::a', 64);
    expect(key).toBe('2001:db8:1:2:0:0:0:0/64');
    for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:1', '2001:db8:1:2::1%eth0', '2001:db8:1:2::1.2.3.4']) {
      expect(clientAddressKey(same, 64)).toBe(key);
    }
    expect(clientAddressKey('2001:db8:1:3::a', 64)).not.toBe(key);
    expect(clientAddressKey('::1', 64)).toBe('0:0:0:0:0:0:0:0/64');
  });

  it('honours other prefix lengths, including ones inside a group', () => {
    expect(clientAddressKey('2001:db8:1:2::a', 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(clientAddressKey('2001:db8:1:3::a', 48)).toBe(clientAddressKey('2001:db8:1:2::a', 48));
    expect(clientAddressKey('2001:db8:1:2::a', 128)).toBe('2001:db8:1:2:0:0:0:a/128');
    expect(clientAddressKey('2001:db8:1:2::b', 128)).not.toBe(clientAddressKey('2001:db8:1:2::a', 128));
    expect(clientAddressKey('2001:db8:ffff::', 36)).toBe('2001:db8:f000:0:0:0:0:0/36');
    expect(clientAddressKey('ffff::', 1)).toBe('8000:0:0:0:0:0:0:0/1');
  });

  it('keeps what is not an address as given, and names a missing one', () => {
    expect(clientAddressKey('not-an-ip', 64)).toBe('not-an-ip');
    expect(clientAddressKey('1::2::3', 64)).toBe('1::2::3');
    expect(clientAddressKey(undefined, 64)).toBe('unknown');
    expect(clientAddressKey('', 64)).toBe('unknown');
  });
});
