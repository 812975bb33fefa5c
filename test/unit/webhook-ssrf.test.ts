import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/webhooks/ssrf";
import { createRandom } from "../../scripts/docgen/random.mjs";

const production = { allowLocalhost: false };
const development = { allowLocalhost: true };

function reasonFor(url: string, opts = production): string | null {
  const result = checkWebhookUrl(url, opts);
  return result.ok ? null : result.reason;
}

describe("checkWebhookUrl: the issue's acceptance list", () => {
  it.each([
    ["https://10.0.0.1", "the host is a private IPv4 address (10.0.0.0/8)"],
    ["https://169.254.169.254", "the host is the cloud metadata address (169.254.169.254/32)"],
    ["https://[::1]", "the host is the IPv6 loopback address (::1/128)"],
    ["https://[::ffff:127.0.0.1]", "the host is an IPv4-mapped IPv6 address (::ffff:0:0/96), wrapping 127.0.0.1"],
    ["https://192.168.1.5", "the host is a private IPv4 address (192.168.0.0/16)"],
    ["http://example.com", "the URL must use https"],
  ])("refuses %s outside development, and says why", (url, reason) => {
    expect(reasonFor(url)).toBe(reason);
  });

  it.each(["https://10.0.0.1", "https://169.254.169.254", "https://[::1]", "https://[::ffff:127.0.0.1]", "https://192.168.1.5", "http://example.com"])(
    "still refuses %s in development",
    (url) => {
      expect(checkWebhookUrl(url, development).ok).toBe(false);
    },
  );

  it.each(["http://localhost:8787/x", "http://127.0.0.1:9/x", "https://localhost/x", "http://localhost./x"])(
    "allows the local receiver %s only in development",
    (url) => {
      expect(checkWebhookUrl(url, development).ok).toBe(true);
      expect(checkWebhookUrl(url, production).ok).toBe(false);
    },
  );

  it("allows a public https URL and hands back the parsed URL", () => {
    const result = checkWebhookUrl("https://example.com/hook?tenant=1", production);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.url.href).toBe("https://example.com/hook?tenant=1");
  });
});

describe("checkWebhookUrl: what the development exception does not open", () => {
  it.each([
    ["http://[::1]:8787/x", "the URL must use https"],
    ["http://127.0.0.2/x", "the URL must use https"],
    ["https://127.0.0.2/x", "the host is an IPv4 loopback address (127.0.0.0/8)"],
    ["http://foo.localhost/x", "the URL must use https"],
    ["https://foo.localhost/x", "the host is a localhost name"],
    ["http://10.0.0.1/x", "the URL must use https"],
  ])("%s is refused even in development", (url, reason) => {
    expect(reasonFor(url, development)).toBe(reason);
  });
});

describe("checkWebhookUrl: tricky spellings (what new URL normalises them to)", () => {
  it.each([
    // Decimal, hex, octal and shortened IPv4: the URL parser turns them all into 127.0.0.1.
    ["https://2130706433/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://0x7f.1/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://0x7f000001/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://0177.0.0.1/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://127.1/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://127.0.0.1./", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://%31%32%37.0.0.1/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://１２７.０.０.１/", "an IPv4 loopback address (127.0.0.0/8)"],
    ["https://0/", "the unspecified IPv4 address (0.0.0.0/32)"],
    ["https://0.0.0.0/", "the unspecified IPv4 address (0.0.0.0/32)"],
    ["https://0.1.2.3/", "an IPv4 address of \"this network\" (0.0.0.0/8)"],
    ["https://172.16.0.1/", "a private IPv4 address (172.16.0.0/12)"],
    ["https://172.31.255.255/", "a private IPv4 address (172.16.0.0/12)"],
    ["https://100.64.0.1/", "a carrier-grade NAT IPv4 address (100.64.0.0/10)"],
    ["https://100.127.255.254/", "a carrier-grade NAT IPv4 address (100.64.0.0/10)"],
    ["https://169.254.1.1/", "a link-local IPv4 address (169.254.0.0/16)"],
    ["https://192.0.0.8/", "an IPv4 address reserved for IETF protocols (192.0.0.0/24)"],
    ["https://192.0.2.10/", "an IPv4 documentation address (192.0.2.0/24)"],
    ["https://198.51.100.7/", "an IPv4 documentation address (198.51.100.0/24)"],
    ["https://203.0.113.9/", "an IPv4 documentation address (203.0.113.0/24)"],
    ["https://198.18.0.1/", "an IPv4 benchmarking address (198.18.0.0/15)"],
    ["https://198.19.255.1/", "an IPv4 benchmarking address (198.18.0.0/15)"],
    ["https://192.88.99.1/", "a 6to4 relay anycast address (192.88.99.0/24)"],
    ["https://224.0.0.1/", "an IPv4 multicast address (224.0.0.0/4)"],
    ["https://239.255.255.250/", "an IPv4 multicast address (224.0.0.0/4)"],
    ["https://255.255.255.255/", "the IPv4 broadcast address (255.255.255.255/32)"],
    ["https://240.0.0.1/", "a reserved IPv4 address (240.0.0.0/4)"],
    // IPv6.
    ["https://[::]/", "the unspecified IPv6 address (::/128)"],
    ["https://[0:0:0:0:0:0:0:1]/", "the IPv6 loopback address (::1/128)"],
    ["https://[::ffff:7f00:1]/", "an IPv4-mapped IPv6 address (::ffff:0:0/96), wrapping 127.0.0.1"],
    ["https://[::ffff:a00:1]/", "an IPv4-mapped IPv6 address (::ffff:0:0/96), wrapping 10.0.0.1"],
    ["https://[::ffff:8.8.8.8]/", "an IPv4-mapped IPv6 address (::ffff:0:0/96), wrapping 8.8.8.8"],
    ["https://[::127.0.0.1]/", "an IPv4-compatible IPv6 address (::/96), wrapping 127.0.0.1"],
    ["https://[fe80::1]/", "a link-local IPv6 address (fe80::/10)"],
    ["https://[febf:ffff::1]/", "a link-local IPv6 address (fe80::/10)"],
    ["https://[fec0::1]/", "a site-local IPv6 address (fec0::/10)"],
    ["https://[fc00::1]/", "a unique-local IPv6 address (fc00::/7)"],
    ["https://[fd12:3456:789a::1]/", "a unique-local IPv6 address (fc00::/7)"],
    ["https://[fd00:ec2::254]/", "the cloud metadata address (fd00:ec2::254/128)"],
    ["https://[ff02::1]/", "an IPv6 multicast address (ff00::/8)"],
    ["https://[2001:db8::1]/", "an IPv6 documentation address (2001:db8::/32)"],
    ["https://[3fff::1]/", "an IPv6 documentation address (3fff::/20)"],
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "a Teredo tunnel IPv6 address (2001::/32)"],
    ["https://[2001:2::1]/", "an IPv6 benchmarking address (2001:2::/48)"],
    ["https://[100::1]/", "a discard-only IPv6 address (100::/64)"],
    ["https://[64:ff9b:1::a00:1]/", "a local-use NAT64 IPv6 address (64:ff9b:1::/48)"],
    ["https://[64:ff9b::10.0.0.1]/", "a NAT64 IPv6 address (64:ff9b::/96) wrapping 10.0.0.1: a private IPv4 address (10.0.0.0/8)"],
    ["https://[64:ff9b::a9fe:a9fe]/", "a NAT64 IPv6 address (64:ff9b::/96) wrapping 169.254.169.254: the cloud metadata address (169.254.169.254/32)"],
    ["https://[2002:c0a8:105::1]/", "a 6to4 IPv6 address (2002::/16) wrapping 192.168.1.5: a private IPv4 address (192.168.0.0/16)"],
    ["https://[2002:7f00:1::]/", "a 6to4 IPv6 address (2002::/16) wrapping 127.0.0.1: an IPv4 loopback address (127.0.0.0/8)"],
    ["https://[4000::1]/", "not a global unicast IPv6 address (outside 2000::/3)"],
    // Names.
    ["https://localhost/", "a localhost name"],
    ["https://LOCALHOST./", "a localhost name"],
    ["https://api.localhost/", "a localhost name"],
    ["https://ⓛocalhost/", "a localhost name"],
    ["https://printer.local/", "a name under .local, which does not resolve on the public internet"],
    ["https://metadata.google.internal/", "a name under .internal, which does not resolve on the public internet"],
    ["https://box.localdomain/", "a name under .localdomain, which does not resolve on the public internet"],
    ["https://nas.home.arpa/", "a name under .home.arpa, which does not resolve on the public internet"],
    ["https://receiver.test/", "a name under .test, which does not resolve on the public internet"],
    ["https://metadata/", "a single-label name, which resolves only inside a private network"],
    ["https://intranet-hooks./", "a single-label name, which resolves only inside a private network"],
    ["https://10.0.0.1.nip.io/", "under nip.io, which answers with whatever address the name spells"],
    ["https://app.127-0-0-1.sslip.io/", "under sslip.io, which answers with whatever address the name spells"],
  ])("refuses %s", (url, reason) => {
    expect(reasonFor(url)).toBe(`the host is ${reason}`);
  });

  it.each([
    ["https://user:secret@example.com/hook", "the URL must not contain a user name or password"],
    ["https://token@example.com/hook", "the URL must not contain a user name or password"],
    ["ftp://example.com/hook", "the URL must use https"],
    ["javascript:alert(1)", "the URL must use https"],
    ["file:///etc/passwd", "the URL must use https"],
    ["example.com/hook", "the URL is not a valid absolute URL"],
    ["https://[fe80::1%25eth0]/", "the URL is not a valid absolute URL"],
    ["https://999.0.0.1/", "the URL is not a valid absolute URL"],
    ["https://example.com:25/hook", "port 25 is reserved for a protocol other than HTTP"],
    ["https://example.com:6667/hook", "port 6667 is reserved for a protocol other than HTTP"],
    [`https://example.com/${"a".repeat(2048)}`, "the URL is longer than 2048 characters"],
  ])("refuses %s", (url, reason) => {
    expect(reasonFor(url)).toBe(reason);
  });

  it.each([
    "https://example.com/hook",
    "https://EXAMPLE.com:443/hook",
    "https://hooks.example.com:8443/in",
    "https://8.8.8.8/hook",
    "https://1.1.1.1:8443/hook",
    "https://172.32.0.1/", // just above 172.16.0.0/12
    "https://100.128.0.1/", // just above 100.64.0.0/10
    "https://169.255.0.1/",
    "https://[2606:4700:4700::1111]/hook",
    "https://[64:ff9b::808:808]/", // NAT64 of the public 8.8.8.8
    "https://[2002:808:808::1]/", // 6to4 of the public 8.8.8.8
    "https://bücher.example.org/hook", // IDN, punycoded by the parser
    "https://local.example.com/hook", // "local" as a label, not a suffix
    "https://internal-hooks.example.com/hook",
  ])("allows %s", (url) => {
    expect(reasonFor(url)).toBeNull();
  });
});

/** Seeded mulberry32 (the document generator's), so the property checks below are the same on every run. */
const seeded = (seed: number) => createRandom(seed).next;

const PRIVATE_V4_RANGES: Array<[base: number, bits: number]> = [
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16
  [0x64400000, 10], // 100.64/10
  [0x00000000, 8], // 0/8
];

/** Every textual form of one IPv4 address we know a URL parser or a resolver to accept. */
function ipv4Spellings(value: number, random: () => number): string[] {
  const octets = [24, 16, 8, 0].map((shift) => (value >>> shift) & 255);
  const hex = (n: number) => `0x${n.toString(16)}`;
  const octal = (n: number) => `0${n.toString(8)}`;
  const anyBase = (n: number) => [String(n), hex(n), octal(n), hex(n).toUpperCase().replace("0X", "0x")][Math.floor(random() * 4)];
  const percent = (text: string) => [...text].map((char) => (random() < 0.5 ? `%${char.charCodeAt(0).toString(16)}` : char)).join("");
  const fullWidth = (text: string) => text.replace(/[0-9.]/g, (char) => (char === "." ? "．" : String.fromCharCode(char.charCodeAt(0) + 0xfee0)));
  const dotted = octets.join(".");
  const high16 = (value >>> 16).toString(16);
  const low16 = (value & 0xffff).toString(16);
  return [
    dotted,
    `${dotted}.`,
    String(value >>> 0),
    hex(value >>> 0),
    octets.map(octal).join("."),
    octets.map(hex).join("."),
    octets.map(anyBase).join("."),
    `${octets[0]}.${octets[1]}.${(octets[2] << 8) | octets[3]}`,
    `${octets[0]}.${(value & 0xffffff) >>> 0}`,
    percent(dotted),
    fullWidth(dotted),
    `[::ffff:${dotted}]`,
    `[::ffff:${high16}:${low16}]`,
    `[0:0:0:0:0:ffff:${high16}:${low16}]`,
    `[::${dotted}]`,
    `[64:ff9b::${dotted}]`,
    `[2002:${high16}:${low16}::1]`,
  ];
}

describe("checkWebhookUrl: properties over seeded random addresses", () => {
  it("refuses any private IPv4 address in any textual form, in production and in development", () => {
    const random = seeded(12);
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const [base, bits] = PRIVATE_V4_RANGES[i % PRIVATE_V4_RANGES.length];
      const value = (base + Math.floor(random() * 2 ** (32 - bits))) >>> 0;
      for (const host of ipv4Spellings(value, random)) {
        const url = `https://${host}/hook`;
        const forms = [checkWebhookUrl(url, production), checkWebhookUrl(url, development)];
        // 127.0.0.1 itself is the one address development opens; every other spelling of it stays closed in production.
        if (forms[1].ok) expect(new URL(url).hostname).toBe("127.0.0.1");
        if (forms[0].ok) throw new Error(`${url} was allowed`);
        checked++;
      }
    }
    expect(checked).toBe(400 * 17);
  });

  it("any IPv4 spelling the parser turns into an address is judged exactly like the plain dotted form", () => {
    const random = seeded(34);
    for (let i = 0; i < 400; i++) {
      const value = Math.floor(random() * 2 ** 32) >>> 0;
      const [dotted, ...others] = ipv4Spellings(value, random).filter((host) => !host.startsWith("["));
      const expected = checkWebhookUrl(`https://${dotted}/`, production).ok;
      for (const host of others) expect([host, checkWebhookUrl(`https://${host}/`, production).ok]).toEqual([host, expected]);
    }
  });
});
