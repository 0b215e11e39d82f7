import { isIP } from 'node:net';

/**
 * Where a webhook may point (server-side request forgery: a subscription must not make the operator's
 * servers call addresses inside their own network). An address is one of these kinds; `public` and
 * `loopback` are allowed, the others only on a backend started with --allow-private-webhooks.
 */
export type AddressKind =
  'public' | 'loopback' | 'private' | 'link_local' | 'unspecified' | 'multicast' | 'reserved';

/** The kinds a backend refuses unless it allows private webhooks. */
export const REFUSED_KINDS: ReadonlySet<AddressKind> = new Set([
  'private',
  'link_local',
  'unspecified',
  'multicast',
  'reserved',
]);

/** IPv4 ranges by kind: [first octets as a 32-bit number, prefix length]. */
const V4_RANGES: [string, number, AddressKind][] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 reaches the host itself on Linux
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'], // with cloud metadata at 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // and the broadcast address 255.255.255.255
];

function v4Number(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function classifyV4(n: number): AddressKind {
  for (const [base, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = v4Number(base);
    if (n >= start && n < start + size) return kind;
  }
  return 'public';
}

/** The 16 bytes of an IPv6 address (a trailing dotted IPv4 part included), or undefined. */
function v6Bytes(text: string): number[] | undefined {
  let s = text.split('%')[0] as string; // a zone (fe80::1%eth0) does not change the kind
  // A trailing dotted IPv4 part (::ffff:10.0.0.1) is the last two groups written otherwise.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    if (isIP(dotted[1] as string) !== 4) return undefined;
    const n = v4Number(dotted[1] as string);
    s = `${s.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::', 2) as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = 8 - left.length - right.length;
  if (rest === undefined ? fill !== 0 : fill < 0) return undefined;
  const bytes: number[] = [];
  for (const g of [...left, ...Array<string>(fill).fill('0'), ...right]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 255);
  }
  return bytes.length === 16 ? bytes : undefined;
}

function classifyV6(bytes: number[]): AddressKind {
  const zeroUpTo = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  const b0 = bytes[0] as number;
  const b1 = bytes[1] as number;
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  const v4 = () => classifyV4(bytes.slice(12).reduce((n, b) => n * 256 + b, 0));
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 address.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4();
  if (zeroUpTo(12)) return v4();
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
  if (
    b0 === 0 &&
    b1 === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    bytes.slice(4, 12).every((b) => b === 0)
  )
    return v4();
  if ((b0 & 0xfe) === 0xfc) return 'private'; // fc00::/7, unique local
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return 'link_local'; // fe80::/10
  if (b0 === 0xfe && (b1 & 0xc0) === 0xc0) return 'private'; // fec0::/10, the old site-local
  if (b0 === 0xff) return 'multicast';
  return 'public';
}

/** The kind of an IP address (IPv4 or IPv6 text); undefined when it is not one. */
export function addressKind(address: string): AddressKind | undefined {
  const version = isIP(address.split('%')[0] as string);
  if (version === 4) return classifyV4(v4Number(address));
  if (version === 6) {
    const bytes = v6Bytes(address);
    return bytes ? classifyV6(bytes) : undefined;
  }
  return undefined;
}

/** Why a webhook URL is refused by its form (before any address is looked up). */
export type UrlProblem = 'invalid' | 'not_https' | 'credentials';

/** The longest URL a subscription takes. */
export const MAX_WEBHOOK_URL = 2000;

/**
 * A webhook URL's form: absolute http(s), no user or password in it, at most MAX_WEBHOOK_URL characters;
 * http only for loopback hosts (`localhost`, 127.0.0.0/8, ::1: the receiver runs on the same machine,
 * and nothing crosses a network in clear). Returns the parsed URL and its host as an address or name.
 * Whether a host name is loopback is decided again by the addresses it resolves to (`checkAddresses`).
 */
export function checkWebhookUrl(
  text: string,
): { url: URL; host: string; ip: boolean; loopbackName: boolean } | { problem: UrlProblem } {
  if (text.length > MAX_WEBHOOK_URL) return { problem: 'invalid' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'invalid' };
  if (!url.hostname) return { problem: 'invalid' };
  if (url.username || url.password) return { problem: 'credentials' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const ip = isIP(host) !== 0;
  const loopbackName = !ip && (host === 'localhost' || host.endsWith('.localhost'));
  if (url.protocol === 'http:' && !(loopbackName || (ip && addressKind(host) === 'loopback')))
    return { problem: 'not_https' };
  return { url, host, ip, loopbackName };
}

/**
 * Checks the addresses a webhook's host resolved to (or the one connected to): every one must be allowed,
 * and over http every one must be loopback. Returns the first refused address and its kind, or undefined.
 */
export function refusedAddress(
  addresses: readonly string[],
  opts: { allowPrivate: boolean; http: boolean },
): { address: string; kind: AddressKind | 'not_loopback' } | undefined {
  for (const address of addresses) {
    const kind = addressKind(address) ?? 'reserved';
    if (!opts.allowPrivate && REFUSED_KINDS.has(kind)) return { address, kind };
    if (opts.http && kind !== 'loopback') return { address, kind: 'not_loopback' };
  }
  return undefined;
}
