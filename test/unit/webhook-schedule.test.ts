import { describe, expect, it } from "vitest";
import {
  classifyAttempt,
  DEVELOPMENT_SCHEDULE_SECONDS,
  errorClass,
  nextAttemptDelay,
  parseRetryAfter,
  STANDARD_SCHEDULE_SECONDS,
} from "../../src/webhooks/schedule";
import { WebhookUrlForbiddenError } from "../../src/webhooks/ssrf";
import { createRandom } from "../../scripts/docgen/random.mjs";

const middle = () => 0.5; // no jitter
const lowest = () => 0; // −10%
const highest = () => 0.999999; // +10%

/** Seeded mulberry32 (the document generator's), so the spread checks are the same on every run. */
const seeded = (seed: number) => createRandom(seed).next;

describe("the retry schedule", () => {
  it("is the Standard Webhooks example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, ending 75 h 35 min 5 s in", () => {
    expect(STANDARD_SCHEDULE_SECONDS).toEqual([5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600]);
    expect(STANDARD_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0)).toBe(75 * 3600 + 35 * 60 + 5);
  });

  it("the development schedule is short: everything retried within a minute", () => {
    expect(DEVELOPMENT_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0)).toBeLessThan(60);
    expect(DEVELOPMENT_SCHEDULE_SECONDS.length).toBeGreaterThanOrEqual(3);
  });

  it("walks the schedule attempt by attempt, the first attempt being immediate, then gives up", () => {
    const delays = Array.from({ length: 11 }, (_, made) => nextAttemptDelay(made, STANDARD_SCHEDULE_SECONDS, middle));
    expect(delays).toEqual([0, ...STANDARD_SCHEDULE_SECONDS, null]);
    expect(nextAttemptDelay(6, DEVELOPMENT_SCHEDULE_SECONDS, middle)).toBeNull();
    expect(nextAttemptDelay(1, [], middle)).toBeNull();
  });

  it("jitters each delay by at most ±10%", () => {
    expect(nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, lowest)).toBe(270);
    expect(nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, highest)).toBe(330);
    expect(nextAttemptDelay(9, STANDARD_SCHEDULE_SECONDS, lowest)).toBe(77760);
    expect(nextAttemptDelay(9, STANDARD_SCHEDULE_SECONDS, highest)).toBe(95040);
  });

  it("spreads delays across the ±10% band rather than bunching them (seeded)", () => {
    const random = seeded(7);
    const delays = Array.from({ length: 2000 }, () => nextAttemptDelay(3, STANDARD_SCHEDULE_SECONDS, random) as number);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1620);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1980);
    expect(Math.min(...delays)).toBeLessThan(1640);
    expect(Math.max(...delays)).toBeGreaterThan(1960);
    expect(new Set(delays).size).toBeGreaterThan(300);
  });

  it("never goes below one second, however short the step", () => {
    expect(nextAttemptDelay(1, [1], lowest)).toBe(1);
    expect(nextAttemptDelay(1, [0], lowest)).toBe(1);
  });

  it("honours a longer Retry-After, but never beyond the schedule's last step", () => {
    expect(nextAttemptDelay(1, STANDARD_SCHEDULE_SECONDS, middle, 120)).toBe(120);
    expect(nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, middle, 3600)).toBe(3600);
    expect(nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, middle, 10 * 86400)).toBe(86400);
    expect(nextAttemptDelay(1, DEVELOPMENT_SCHEDULE_SECONDS, middle, 3600)).toBe(16);
    expect(nextAttemptDelay(1, STANDARD_SCHEDULE_SECONDS, middle, 2.2)).toBe(5);
    expect(nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, middle, 300.4)).toBe(301);
  });

  it("ignores a shorter, zero or missing Retry-After, and does not retry past the schedule for one", () => {
    expect(nextAttemptDelay(3, STANDARD_SCHEDULE_SECONDS, middle, 10)).toBe(1800);
    expect(nextAttemptDelay(3, STANDARD_SCHEDULE_SECONDS, middle, 0)).toBe(1800);
    expect(nextAttemptDelay(3, STANDARD_SCHEDULE_SECONDS, middle, null)).toBe(1800);
    expect(nextAttemptDelay(10, STANDARD_SCHEDULE_SECONDS, middle, 60)).toBeNull();
  });

  it("refuses a negative or fractional attempt count", () => {
    expect(() => nextAttemptDelay(-1, STANDARD_SCHEDULE_SECONDS, middle)).toThrow(RangeError);
    expect(() => nextAttemptDelay(1.5, STANDARD_SCHEDULE_SECONDS, middle)).toThrow(RangeError);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2015-10-21T07:27:00Z");

  it.each([
    ["120", 120],
    [" 30 ", 30],
    ["0", 0],
    ["Wed, 21 Oct 2015 07:28:00 GMT", 60], // IMF-fixdate
    ["Wednesday, 21-Oct-15 07:28:00 GMT", 60], // RFC 850
    ["Wed Oct 21 07:28:00 2015", 60], // asctime, GMT even without saying so
    ["Wed Oct  1 07:28:00 2015", 0], // asctime, single-digit day, in the past
    ["Wed, 21 Oct 2015 07:27:00 GMT", 0],
    ["Tue, 20 Oct 2015 07:28:00 GMT", 0], // past: retry now
    ["Wed, 21 Oct 2015 07:27:00.5 GMT", null],
  ])("reads %j as %j seconds", (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });

  it.each([null, "", "soon", "-5", "1.5", "1e3", "Wed, 21 Oct 2015 07:28:00 CET", "Wed, 31 Feb 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 21 Oct 2015 25:00:00 GMT"])(
    "ignores %j",
    (header) => {
      expect(parseRetryAfter(header, now)).toBeNull();
    },
  );

  it("reads an RFC 850 two-digit year as the most recent past century when it would be more than 50 years ahead", () => {
    expect(parseRetryAfter("Thursday, 01-Jan-70 00:00:00 GMT", new Date("2069-12-31T23:59:00Z"))).toBe(60);
    expect(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", new Date("2026-01-01T00:00:00Z"))).toBe(0);
    expect(parseRetryAfter("Friday, 01-Jan-27 00:00:00 GMT", new Date("2026-12-31T23:00:00Z"))).toBe(3600);
  });

  it("feeds nextAttemptDelay: a 503 asking for two minutes waits two minutes instead of five seconds", () => {
    expect(nextAttemptDelay(1, STANDARD_SCHEDULE_SECONDS, middle, parseRetryAfter("120", now))).toBe(120);
  });
});

describe("classifyAttempt and errorClass", () => {
  it.each([
    [{ status: 200 }, "delivered", null],
    [{ status: 204 }, "delivered", null],
    [{ status: 299 }, "delivered", null],
    [{ status: 410 }, "gone", "http_status"],
    [{ status: 301 }, "retry", "redirect"],
    [{ status: 307 }, "retry", "redirect"],
    [{ status: 199 }, "retry", "http_status"],
    [{ status: 400 }, "retry", "http_status"],
    [{ status: 404 }, "retry", "http_status"],
    [{ status: 429 }, "retry", "http_status"],
    [{ status: 500 }, "retry", "http_status"],
    [{ status: 503 }, "retry", "http_status"],
  ] as const)("%j → %s (%s)", (result, outcome, klass) => {
    expect(classifyAttempt(result)).toBe(outcome);
    expect(errorClass(result)).toBe(klass);
  });

  function withCause(message: string, cause: unknown): Error {
    return new Error(message, { cause });
  }
  function withCode(message: string, code: string): Error {
    return Object.assign(new Error(message), { code });
  }

  it.each([
    ["AbortSignal.timeout", new DOMException("The operation was aborted due to timeout", "TimeoutError"), "timeout"],
    ["an abort", new DOMException("This operation was aborted", "AbortError"), "timeout"],
    ["undici's connect timeout", new TypeError("fetch failed", { cause: withCode("Connect Timeout Error", "UND_ERR_CONNECT_TIMEOUT") }), "timeout"],
    ["a refused connection", new TypeError("fetch failed", { cause: withCode("connect ECONNREFUSED 127.0.0.1:9", "ECONNREFUSED") }), "connection"],
    ["workerd's lost connection", new Error("Network connection lost."), "connection"],
    ["an unknown name", new TypeError("fetch failed", { cause: withCode("getaddrinfo ENOTFOUND nowhere.example", "ENOTFOUND") }), "connection"],
    ["an expired certificate", new TypeError("fetch failed", { cause: withCode("certificate has expired", "CERT_HAS_EXPIRED") }), "tls"],
    ["a self-signed certificate", new TypeError("fetch failed", { cause: withCode("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT") }), "tls"],
    ["a TLS handshake failure", new Error("TLS peer's certificate is not trusted; reason = unable to get local issuer certificate"), "tls"],
    ["redirect: error", new TypeError("fetch failed", { cause: new Error("unexpected redirect") }), "redirect"],
    ["the URL guard", new WebhookUrlForbiddenError("the host is a private IPv4 address (10.0.0.0/8)"), "forbidden_url"],
    ["a string thrown", "boom", "connection"],
    ["a deep cause chain", withCause("a", withCause("b", withCause("c", new DOMException("late", "TimeoutError")))), "timeout"],
  ])("%s is classed %s", (_what, error, klass) => {
    expect(errorClass({ error })).toBe(klass);
  });

  it("retries every network error, but a URL the guard refuses is gone for good", () => {
    expect(classifyAttempt({ error: new DOMException("t", "TimeoutError") })).toBe("retry");
    expect(classifyAttempt({ error: new TypeError("fetch failed") })).toBe("retry");
    expect(classifyAttempt({ error: new WebhookUrlForbiddenError("the host is a localhost name") })).toBe("gone");
  });

  it("an error wins over a status reported with it", () => {
    expect(classifyAttempt({ status: 200, error: new Error("body stream broke") })).toBe("retry");
    expect(errorClass({ status: 200, error: new Error("body stream broke") })).toBe("connection");
  });
});
