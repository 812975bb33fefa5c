/**
 * The SSRF guard for webhook URLs, run on create, on update and again before every delivery. A pure function of
 * the URL text: a Worker cannot see the address a name resolves to, so this refuses what can be known from the text
 * (IP literals outside the public internet, names that only resolve inside private networks) and the delivery
 * never follows redirects. A public name whose DNS points at a private address (DNS rebinding) is not caught here.
 *
 * The WHATWG URL parser (the same in workerd and Node) normalises the host first: `2130706433`, `0x7f.1`,
 * `0177.0.0.1`, `127.1`, `%31%32%37.0.0.1` and full-width digits all become `127.0.0.1`, and `[::ffff:127.0.0.1]`
 * becomes `[::ffff:7f00:1]`, so the checks below only ever see dotted-quad IPv4 and compressed IPv6.
 *
 * Ports: any port is allowed except the Fetch Standard's "bad ports" (SMTP, IRC, SIP, …), where an HTTP POST could
 * be understood as another protocol. The local development exception allows any port on its two hosts.
 */

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Thrown by delivery code for a URL the guard refuses, so the attempt is logged with error class `forbidden_url`. */
export class WebhookUrlForbiddenError extends Error {
  constructor(readonly reason: string) {
    super(`The webhook URL is refused: ${reason}`);
    this.name = "WebhookUrlForbiddenError";
  }
}

const MAX_URL_LENGTH = 2048;
/** The only hosts the development exception opens, over http or https. */
const LOCAL_DEVELOPMENT_HOSTS = new Set(["localhost", "127.0.0.1"]);

/** https://fetch.spec.whatwg.org/#bad-port */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
  113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
  554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665,
  6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * IPv4 ranges that are not on the public internet (IANA IPv4 Special-Purpose Address Registry), most specific first.
 * Each description completes "the host is …".
 */
const IPV4_RANGES: ReadonlyArray<readonly [cidr: string, description: string]> = [
  ["0.0.0.0/32", "the unspecified IPv4 address"],
  ["0.0.0.0/8", "an IPv4 address of \"this network\""],
  ["10.0.0.0/8", "a private IPv4 address"],
  ["100.64.0.0/10", "a carrier-grade NAT IPv4 address"],
  ["127.0.0.0/8", "an IPv4 loopback address"],
  ["169.254.169.254/32", "the cloud metadata address"],
  ["169.254.0.0/16", "a link-local IPv4 address"],
  ["172.16.0.0/12", "a private IPv4 address"],
  ["192.0.0.0/24", "an IPv4 address reserved for IETF protocols"],
  ["192.0.2.0/24", "an IPv4 documentation address"],
  ["192.88.99.0/24", "a 6to4 relay anycast address"],
  ["192.168.0.0/16", "a private IPv4 address"],
  ["198.18.0.0/15", "an IPv4 benchmarking address"],
  ["198.51.100.0/24", "an IPv4 documentation address"],
  ["203.0.113.0/24", "an IPv4 documentation address"],
  ["224.0.0.0/4", "an IPv4 multicast address"],
  ["255.255.255.255/32", "the IPv4 broadcast address"],
  ["240.0.0.0/4", "a reserved IPv4 address"],
];

/**
 * IPv6 ranges refused outright (IANA IPv6 Special-Purpose Address Registry), most specific first. NAT64 and 6to4
 * addresses, which carry an IPv4 address inside, are judged by that address instead (see `ipv6Reason`).
 */
const IPV6_RANGES: ReadonlyArray<readonly [cidr: string, description: string]> = [
  ["::/128", "the unspecified IPv6 address"],
  ["::1/128", "the IPv6 loopback address"],
  ["::ffff:0:0/96", "an IPv4-mapped IPv6 address"],
  ["::/96", "an IPv4-compatible IPv6 address"],
  ["64:ff9b:1::/48", "a local-use NAT64 IPv6 address"],
  ["100::/64", "a discard-only IPv6 address"],
  ["2001:db8::/32", "an IPv6 documentation address"],
  ["2001::/32", "a Teredo tunnel IPv6 address"],
  ["2001:2::/48", "an IPv6 benchmarking address"],
  ["2001::/23", "an IPv6 address reserved for IETF protocols"],
  ["3fff::/20", "an IPv6 documentation address"],
  ["5f00::/16", "an IPv6 segment-routing address"],
  ["fd00:ec2::254/128", "the cloud metadata address"],
  ["fc00::/7", "a unique-local IPv6 address"],
  ["fe80::/10", "a link-local IPv6 address"],
  ["fec0::/10", "a site-local IPv6 address"],
  ["ff00::/8", "an IPv6 multicast address"],
];

/**
 * Name suffixes that resolve only inside private networks or nowhere at all: mDNS (`local`), ICANN's private-use
 * `internal`, RFC 8375 `home.arpa`, common router and corporate defaults, and RFC 2606/6761 reserved names.
 */
const PRIVATE_NAME_SUFFIXES = ["local", "internal", "localdomain", "home.arpa", "lan", "intranet", "corp", "home", "test", "invalid", "example"];
/**
 * Public wildcard-DNS services that answer with the address written in the name (`10.0.0.1.nip.io` → 10.0.0.1).
 * Refusing them is a courtesy, not a defense: any domain can do the same (see the DNS rebinding note above).
 */
const ADDRESS_ECHO_DOMAINS = ["nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me", "vcap.me"];

/**
 * Whether `url` may receive webhooks. `allowLocalhost` opens `http(s)://localhost` and `http(s)://127.0.0.1` (any
 * port) for local receivers in development and tests; production must pass false.
 * @example
 * checkWebhookUrl("https://example.com/hook", { allowLocalhost: false }) // { ok: true, url: URL }
 * checkWebhookUrl("https://10.0.0.1/hook", { allowLocalhost: false })
 * // { ok: false, reason: "the host is a private IPv4 address (10.0.0.0/8)" }
 */
export function checkWebhookUrl(url: string, opts: { allowLocalhost: boolean }): WebhookUrlCheck {
  if (url.length > MAX_URL_LENGTH) return refuse(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse("the URL is not a valid absolute URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return refuse("the URL must use https");
  if (parsed.username || parsed.password) return refuse("the URL must not contain a user name or password");

  const host = parsed.hostname.replace(/\.+$/, "");
  if (opts.allowLocalhost && LOCAL_DEVELOPMENT_HOSTS.has(host)) return { ok: true, url: parsed };
  if (parsed.protocol !== "https:") return refuse("the URL must use https");
  if (parsed.port && BAD_PORTS.has(Number(parsed.port))) return refuse(`port ${parsed.port} is reserved for a protocol other than HTTP`);

  const reason = host.startsWith("[") ? ipv6Reason(host.slice(1, -1)) : isIpv4(host) ? ipv4Reason(host) : nameReason(host);
  return reason ? refuse(reason) : { ok: true, url: parsed };
}

function refuse(reason: string): WebhookUrlCheck {
  return { ok: false, reason };
}

function isIpv4(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** Why a dotted-quad IPv4 address may not receive webhooks, or null when it is a public address. */
function ipv4Reason(address: string): string | null {
  const value = ipv4Value(address);
  const range = IPV4_TABLE.find(({ base, mask }) => ((value & mask) >>> 0) === base);
  return range ? `the host is ${range.description} (${range.cidr})` : null;
}

/** The IPv4 ranges parsed once: base address and mask as unsigned 32-bit numbers. */
const IPV4_TABLE = IPV4_RANGES.map(([cidr, description]) => {
  const [base, bits] = cidr.split("/");
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return { cidr, description, mask, base: (ipv4Value(base) & mask) >>> 0 };
});

function ipv4Value(address: string): number {
  return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Why an IPv6 address (without brackets) may not receive webhooks, or null when it is a public address. */
function ipv6Reason(address: string): string | null {
  const value = ipv6Value(address);
  if (value === null) return "the host is not a valid IPv6 address";
  for (const [cidr, description] of IPV6_RANGES) {
    if (inIpv6Range(value, cidr)) return `the host is ${description} (${cidr})${embeddedIpv4Note(value, cidr)}`;
  }
  // NAT64 (RFC 6052) and 6to4 (RFC 3056) reach the IPv4 address they carry: judge that one.
  if (inIpv6Range(value, "64:ff9b::/96")) return wrapped("a NAT64", "64:ff9b::/96", Number(value & 0xffffffffn));
  if (inIpv6Range(value, "2002::/16")) return wrapped("a 6to4", "2002::/16", Number((value >> 80n) & 0xffffffffn));
  if (!inIpv6Range(value, "2000::/3")) return "the host is not a global unicast IPv6 address (outside 2000::/3)";
  return null;
}

function wrapped(kind: string, cidr: string, inner: number): string | null {
  const dotted = ipv4Text(inner);
  const innerReason = ipv4Reason(dotted);
  return innerReason ? `the host is ${kind} IPv6 address (${cidr}) wrapping ${dotted}: ${innerReason.replace(/^the host is /, "")}` : null;
}

/** For mapped and compatible addresses, names the IPv4 address inside, which is what a reader recognises. */
function embeddedIpv4Note(value: bigint, cidr: string): string {
  if (cidr !== "::ffff:0:0/96" && cidr !== "::/96") return "";
  return `, wrapping ${ipv4Text(Number(value & 0xffffffffn))}`;
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

function inIpv6Range(value: bigint, cidr: string): boolean {
  let range = ipv6RangeCache.get(cidr);
  if (!range) {
    const [base, bits] = cidr.split("/");
    const shift = 128n - BigInt(bits);
    range = { shift, prefix: (ipv6Value(base) as bigint) >> shift };
    ipv6RangeCache.set(cidr, range);
  }
  return value >> range.shift === range.prefix;
}

/** Parsed CIDR constants of this module (a fixed, small set), so each check does no string work for them. */
const ipv6RangeCache = new Map<string, { shift: bigint; prefix: bigint }>();

/** An IPv6 address as a 128-bit integer; accepts `::` compression and a trailing dotted IPv4. Null when malformed. */
function ipv6Value(address: string): bigint | null {
  let text = address;
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const v4 = ipv4Value(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** Why a host name may not receive webhooks, or null when it may resolve on the public internet. */
function nameReason(host: string): string | null {
  if (!host) return "the URL has no host";
  if (host === "localhost" || host.endsWith(".localhost")) return "the host is a localhost name";
  const suffix = PRIVATE_NAME_SUFFIXES.find((name) => host === name || host.endsWith(`.${name}`));
  if (suffix) return `the host is a name under .${suffix}, which does not resolve on the public internet`;
  if (!host.includes(".")) return "the host is a single-label name, which resolves only inside a private network";
  const echo = ADDRESS_ECHO_DOMAINS.find((domain) => host === domain || host.endsWith(`.${domain}`));
  if (echo) return `the host is under ${echo}, which answers with whatever address the name spells`;
  return null;
}
