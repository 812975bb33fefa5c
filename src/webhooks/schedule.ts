/**
 * When to try a webhook delivery again, and what an attempt's outcome means. Pure: the clock and the random source
 * are passed in, so the queue consumer decides and the tests replay it exactly.
 *
 * Outcomes follow the Standard Webhooks spec ("Delivery success and failure"): 2xx delivered; 410 Gone means the
 * receiver wants no more (the endpoint is disabled); everything else, 3xx included (redirects are never followed),
 * is retried on the schedule, honouring `Retry-After`.
 */

/** Seconds between attempts after the first, immediate one (the spec's example schedule: about 3 days in all). */
export const STANDARD_SCHEDULE_SECONDS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];
/** A short schedule for development and tests, so a failing local receiver is retried within half a minute. */
export const DEVELOPMENT_SCHEDULE_SECONDS: readonly number[] = [1, 2, 4, 8, 16];

/** Spread of the random jitter around each scheduled delay, so failing receivers are not hit in lockstep. */
const JITTER = 0.1;
/** A delay never drops below this, whatever the jitter draws. */
const MIN_DELAY_SECONDS = 1;

export type AttemptOutcome = "delivered" | "gone" | "retry";
export type AttemptErrorClass = "timeout" | "connection" | "tls" | "redirect" | "http_status" | "forbidden_url";

/** What one attempt produced: a response status, or the error `fetch` (or the URL guard) threw. */
export interface AttemptResult {
  status?: number;
  error?: unknown;
}

/**
 * Seconds until the next attempt, or null when the schedule is spent and the delivery has failed.
 * `attemptsMade` counts every attempt so far, the first immediate one included (0 → 0: the first attempt is now).
 * The scheduled delay gets ±10% jitter from `random` (a `Math.random`-like source in [0, 1)); a receiver's
 * `Retry-After` wins when it asks for longer, but never beyond the schedule's last (longest) step.
 * @example
 * nextAttemptDelay(1, STANDARD_SCHEDULE_SECONDS, () => 0.5) // 5
 * nextAttemptDelay(2, STANDARD_SCHEDULE_SECONDS, () => 0.5, 3600) // 3600 (Retry-After beats 300)
 * nextAttemptDelay(10, STANDARD_SCHEDULE_SECONDS, Math.random) // null
 */
export function nextAttemptDelay(
  attemptsMade: number,
  schedule: readonly number[],
  random: () => number,
  retryAfter?: number | null,
): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) throw new RangeError("attemptsMade must be a whole number ≥ 0");
  if (attemptsMade === 0) return 0;
  if (attemptsMade > schedule.length) return null;
  const scheduled = schedule[attemptsMade - 1];
  const jittered = Math.max(MIN_DELAY_SECONDS, Math.round(scheduled * (1 + (random() * 2 - 1) * JITTER)));
  if (retryAfter == null || !(retryAfter > jittered)) return jittered;
  return Math.max(jittered, Math.min(Math.ceil(retryAfter), Math.max(...schedule)));
}

/**
 * Seconds a receiver asked us to wait, from a `Retry-After` header: delta-seconds or an HTTP-date (RFC 9110 §10.2.3,
 * all three date formats, always GMT). A date in the past gives 0; anything unreadable gives null (ignored).
 * @example
 * parseRetryAfter("120", new Date()) // 120
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", new Date("2015-10-21T07:27:00Z")) // 60
 */
export function parseRetryAfter(header: string | null, now: Date): number | null {
  if (header == null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = parseHttpDate(text, now);
  if (date === null) return null;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/**
 * What an attempt means for the delivery: delivered (2xx), gone (410, or a URL the guard now refuses: neither will
 * ever succeed, so the endpoint is disabled) or retry (any other status, 3xx included, and any network error).
 * @example classifyAttempt({ status: 204 }) // "delivered"
 */
export function classifyAttempt(result: AttemptResult): AttemptOutcome {
  if (result.error === undefined && result.status !== undefined) {
    if (result.status >= 200 && result.status <= 299) return "delivered";
    if (result.status === 410) return "gone";
    return "retry";
  }
  return errorClass(result) === "forbidden_url" ? "gone" : "retry";
}

/**
 * The error class logged with a failed attempt, or null for a delivered one. Runtime errors are recognised by
 * name, code and message along their `cause` chain (workerd and undici word them differently).
 * @example errorClass({ error: new DOMException("timed out", "TimeoutError") }) // "timeout"
 */
export function errorClass(result: AttemptResult): AttemptErrorClass | null {
  if (result.error === undefined) {
    if (result.status === undefined) return "connection";
    if (result.status >= 200 && result.status <= 299) return null;
    return result.status >= 300 && result.status <= 399 ? "redirect" : "http_status";
  }
  const facts = errorFacts(result.error);
  if (facts.some((fact) => fact === "WebhookUrlForbiddenError")) return "forbidden_url";
  if (facts.some((fact) => /^(TimeoutError|AbortError)$|^UND_ERR_\w*TIMEOUT$|^ETIMEDOUT$|timed? ?out/i.test(fact))) return "timeout";
  if (facts.some((fact) => /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_)|\b(tls|ssl|certificate|handshake)\b/i.test(fact))) return "tls";
  if (facts.some((fact) => /redirect/i.test(fact))) return "redirect";
  return "connection";
}

/** Names, codes and messages of an error and its causes (at most a few levels deep). */
function errorFacts(error: unknown): string[] {
  const facts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current != null; depth++) {
    if (typeof current === "string") {
      facts.push(current);
      break;
    }
    if (typeof current !== "object") break;
    const { name, code, message, cause } = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    for (const fact of [name, code, message]) if (typeof fact === "string" && fact) facts.push(fact);
    current = cause;
  }
  return facts;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Milliseconds since the epoch for an IMF-fixdate, RFC 850 or asctime date; null otherwise. */
function parseHttpDate(text: string, now: Date): number | null {
  const imf = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text);
  const rfc850 = /^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(text);
  const asctime = /^[A-Za-z]{3} ([A-Za-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text);
  let parts: [year: number, month: string, day: string, hour: string, minute: string, second: string];
  if (imf) parts = [Number(imf[3]), imf[2], imf[1], imf[4], imf[5], imf[6]];
  else if (rfc850) parts = [twoDigitYear(Number(rfc850[3]), now), rfc850[2], rfc850[1], rfc850[4], rfc850[5], rfc850[6]];
  else if (asctime) parts = [Number(asctime[6]), asctime[1], asctime[2].trim(), asctime[3], asctime[4], asctime[5]];
  else return null;
  const [year, monthName, day, hour, minute, second] = parts;
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month < 0) return null;
  const value = Date.UTC(year, month, Number(day), Number(hour), Number(minute), Number(second));
  const check = new Date(value);
  // Refuse dates that Date.UTC silently rolls over (31 Feb, 25:00).
  if (check.getUTCDate() !== Number(day) || check.getUTCHours() !== Number(hour) || Number(minute) > 59 || Number(second) > 60) return null;
  return value;
}

/** RFC 850's two-digit years: RFC 9110 reads one more than 50 years ahead as the same digits a century earlier. */
function twoDigitYear(digits: number, now: Date): number {
  const year = now.getUTCFullYear() - (now.getUTCFullYear() % 100) + digits;
  return year > now.getUTCFullYear() + 50 ? year - 100 : year;
}
