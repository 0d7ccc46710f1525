import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bigIntToIp, firstHostAddress, ipToBigInt, parseCidr } from '../../../src/apiserver/auth/cidr.ts';

test('the first host address of the default service range is 10.96.0.1', () => {
  assert.equal(firstHostAddress(parseCidr('10.96.0.0/12')), '10.96.0.1');
  assert.equal(firstHostAddress(parseCidr('10.100.7.9/12')), '10.96.0.1');
  assert.equal(firstHostAddress(parseCidr('fd00:10:96::/112')), 'fd00:10:96::1');
});

test('bad CIDRs are refused with a reason', () => {
  assert.throws(() => parseCidr('10.96.0.0'), /missing "\/<prefix length>"/);
  assert.throws(() => parseCidr('10.96.0.0/33'), /prefix length must be 0-32/);
  assert.throws(() => parseCidr('10.96.0/12'), /is not an IP address/);
  assert.throws(() => parseCidr('fd00::/129'), /prefix length must be 0-128/);
  assert.throws(() => parseCidr('10.96.0.0/x'), /prefix length/);
});

test('IPv6 addresses round-trip in RFC 5952 form', () => {
  for (const ip of ['::1', '::', 'fd00::10', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8']) {
    assert.equal(bigIntToIp(ipToBigInt(ip), 6), ip);
  }
  assert.equal(bigIntToIp(ipToBigInt('::ffff:10.0.0.1'), 6), '::ffff:a00:1');
});
