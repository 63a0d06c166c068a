import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { checkTargetUrl, guardedLookup, isPublicAddress } from '../src/ssrf-guard.ts';

const strict = { allowInsecure: false };

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, metadata, CGNAT, multicast and reserved addresses, in every spelling', () => {
    for (const ip of [
      '127.0.0.1',
      '127.1.2.3',
      '0.0.0.0',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      'not-an-ip',
    ]) {
      assert.equal(isPublicAddress(ip), false, ip);
    }
  });
  it('allows public addresses', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.equal(isPublicAddress(ip), true, ip);
  });
});

describe('checkTargetUrl', () => {
  it('refuses what cannot be a public https endpoint, and says why', () => {
    assert.equal(checkTargetUrl('http://hooks.example.com/x', strict), 'scheme_not_allowed');
    assert.equal(checkTargetUrl('ftp://hooks.example.com/x', strict), 'scheme_not_allowed');
    assert.equal(checkTargetUrl('https://user:pw@hooks.example.com/x', strict), 'credentials_in_url');
    assert.equal(checkTargetUrl('https://127.0.0.1/x', strict), 'private_address');
    assert.equal(checkTargetUrl('https://[::1]:8443/x', strict), 'private_address');
    assert.equal(checkTargetUrl('https://169.254.169.254/latest/meta-data', strict), 'private_address');
    assert.equal(checkTargetUrl('https://localhost/x', strict), 'private_address');
    assert.equal(checkTargetUrl('https://api.localhost/x', strict), 'private_address');
    assert.equal(checkTargetUrl('https://intranet/x', strict), 'private_address');
    assert.equal(checkTargetUrl('https://2130706433/x', strict), 'private_address', 'a decimal IPv4 is 127.0.0.1');
    assert.equal(checkTargetUrl('not a url', strict), 'not_a_url');
    assert.equal(checkTargetUrl('https://hooks.example.com/x', strict), undefined);
  });
  it('allows http and private addresses only in test configuration', () => {
    assert.equal(checkTargetUrl('http://127.0.0.1:9/x', { allowInsecure: true }), undefined);
    assert.equal(checkTargetUrl('ftp://127.0.0.1/x', { allowInsecure: true }), 'scheme_not_allowed');
  });
});

describe('guardedLookup', () => {
  it('refuses at connect time a name that resolves to a loopback address', async () => {
    const err = await new Promise<Error>((resolve) => {
      const req = https.request('https://localhost:9/', { lookup: guardedLookup, method: 'POST' });
      req.on('error', resolve);
      req.end();
    });
    assert.equal((err as { code?: string }).code, 'ERR_PRIVATE_ADDRESS');
    assert.match(err.message, /localhost resolves to/);
  });
});
