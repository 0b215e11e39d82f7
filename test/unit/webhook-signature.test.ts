import { addressKind, checkWebhookUrl, refusedAddress } from '../../src/domain/webhook-address.js';
import {
  deliveryHeaders,
  generateSecret,
  parseSavedDelivery,
  secretKey,
  signDelivery,
  verifyDelivery,
} from '../../src/domain/webhook-signature.js';

/**
 * The test vector of the Standard Webhooks reference libraries (libraries/javascript/src/webhook.test.ts
 * of github.com/standard-webhooks/standard-webhooks, "sign function works"), checked independently with
 * openssl:
 *   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:$(printf '%s' MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw |
 *     base64 -d | xxd -p -c 256) -binary | base64
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const key = secretKey(VECTOR.secret) as Buffer;
const headers = {
  'webhook-id': VECTOR.id,
  'webhook-timestamp': String(VECTOR.timestamp),
  'webhook-signature': VECTOR.signature,
};

describe('webhook signatures (Standard Webhooks)', () => {
  it("signs the specification's test vector as its libraries do", () => {
    expect(Buffer.isBuffer(key)).toBe(true);
    expect(key).toHaveLength(24);
    expect(signDelivery(key, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(deliveryHeaders(key, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual(headers);
  });

  it('verifies the vector within the tolerance, with any header case and among other signatures', () => {
    expect(verifyDelivery(key, headers, VECTOR.body, { now: VECTOR.timestamp + 299 })).toEqual({
      ok: true,
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    });
    const upper = {
      'Webhook-Id': VECTOR.id,
      'Webhook-Timestamp': String(VECTOR.timestamp),
      'Webhook-Signature': `v2,abc v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ${VECTOR.signature}`,
    };
    expect(verifyDelivery(key, upper, VECTOR.body, { now: VECTOR.timestamp }).ok).toBe(true);
  });

  it('refuses a changed body, another secret, an old or future timestamp and a missing header', () => {
    const now = VECTOR.timestamp;
    expect(verifyDelivery(key, headers, '{"test": 2432232315}', { now })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const other = secretKey(generateSecret()) as Buffer;
    expect(verifyDelivery(other, headers, VECTOR.body, { now })).toMatchObject({ reason: 'bad_signature' });
    expect(verifyDelivery(key, headers, VECTOR.body, { now: now + 301 })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
      skewSeconds: 301,
    });
    expect(verifyDelivery(key, headers, VECTOR.body, { now: now - 301 })).toMatchObject({
      reason: 'timestamp_too_new',
    });
    expect(verifyDelivery(key, headers, VECTOR.body, { now: now + 3600, toleranceSeconds: 3600 }).ok).toBe(
      true,
    );
    const { 'webhook-signature': _, ...unsigned } = headers;
    expect(verifyDelivery(key, unsigned, VECTOR.body, { now })).toEqual({
      ok: false,
      reason: 'missing_header',
      header: 'webhook-signature',
    });
    expect(
      verifyDelivery(key, { ...headers, 'webhook-timestamp': 'soon' }, VECTOR.body, { now }),
    ).toMatchObject({ reason: 'bad_timestamp' });
    expect(
      verifyDelivery(key, { ...headers, 'webhook-signature': 'v1,' }, VECTOR.body, { now }),
    ).toMatchObject({ reason: 'bad_signature' });
  });

  it('takes secrets of 24 to 64 bytes with the whsec_ prefix, and makes 32-byte ones', () => {
    const made = generateSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(made)).toHaveLength(32);
    expect(generateSecret()).not.toBe(made);
    expect(secretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual({ problem: 'prefix' });
    expect(secretKey('whsec_not base64!')).toEqual({ problem: 'base64' });
    expect(secretKey(`whsec_${Buffer.alloc(23).toString('base64')}`)).toEqual({ problem: 'length' });
    expect(secretKey(`whsec_${Buffer.alloc(65).toString('base64')}`)).toEqual({ problem: 'length' });
    expect(secretKey(`whsec_${Buffer.alloc(64).toString('base64')}`)).toHaveLength(64);
  });

  it('reads a delivery saved as an HTTP message or as JSON, keeping the body exact', () => {
    const message =
      'POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nWebhook-Id: msg_1\r\nwebhook-timestamp: 5\r\n' +
      'webhook-signature: v1,x\r\n\r\n{"a": 1}\r\n';
    expect(parseSavedDelivery(message)).toEqual({
      headers: {
        host: '127.0.0.1',
        'webhook-id': 'msg_1',
        'webhook-timestamp': '5',
        'webhook-signature': 'v1,x',
      },
      body: '{"a": 1}\r\n',
    });
    expect(parseSavedDelivery('{"headers": {"webhook-id": "msg_2"}, "body": "{\\"b\\":2}"}')).toEqual({
      headers: { 'webhook-id': 'msg_2' },
      body: '{"b":2}',
    });
    expect(parseSavedDelivery('not a header line\n\nbody')).toBeUndefined();
  });
});

describe('the webhook address rule (server-side request forgery)', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
  ])('classifies %s as %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  it('refuses internal addresses unless private webhooks are allowed, and plain http off loopback', () => {
    expect(refusedAddress(['93.184.216.34', '10.0.0.1'], { allowPrivate: false, http: false })).toEqual({
      address: '10.0.0.1',
      kind: 'private',
    });
    expect(refusedAddress(['10.0.0.1'], { allowPrivate: true, http: false })).toBeUndefined();
    expect(refusedAddress(['127.0.0.1', '::1'], { allowPrivate: false, http: true })).toBeUndefined();
    expect(refusedAddress(['93.184.216.34'], { allowPrivate: false, http: true })).toEqual({
      address: '93.184.216.34',
      kind: 'not_loopback',
    });
    expect(refusedAddress(['not an address'], { allowPrivate: false, http: false })).toMatchObject({
      kind: 'reserved',
    });
  });

  it('takes https URLs, http only to a loopback host, never credentials', () => {
    expect(checkWebhookUrl('https://hooks.example.com/vm?x=1')).toMatchObject({
      host: 'hooks.example.com',
      ip: false,
    });
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook')).toMatchObject({ host: '127.0.0.1', ip: true });
    expect(checkWebhookUrl('http://[::1]:8080/hook')).toMatchObject({ host: '::1', ip: true });
    expect(checkWebhookUrl('http://localhost:8080/')).toMatchObject({ loopbackName: true });
    expect(checkWebhookUrl('http://example.com/hook')).toEqual({ problem: 'not_https' });
    expect(checkWebhookUrl('https://user:pass@example.com/')).toEqual({ problem: 'credentials' });
    expect(checkWebhookUrl('ftp://example.com/')).toEqual({ problem: 'invalid' });
    expect(checkWebhookUrl('/relative')).toEqual({ problem: 'invalid' });
    expect(checkWebhookUrl(`https://example.com/${'a'.repeat(2000)}`)).toEqual({ problem: 'invalid' });
  });
});
