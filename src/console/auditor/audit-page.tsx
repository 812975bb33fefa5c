/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The audit log page: the result of the chain check on top (intact up to which seq and when its head was signed, or
 * the first break with its reason), then the events newest first — actor, action, target, time and metadata
 * exactly as GET /v1/audit shows them (ids and codes only; the chain never holds personal data) — filtered by
 * action and target id with a plain GET form, and paged with the API's cursor.
 */
import type { AuditVerification, BreakReason } from "../../audit/types";

/** Events per page. */
export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  action?: string;
  target_id?: string;
  cursor?: string;
  /** Check the whole chain from the first event, not only what was sealed since the last checkpoint. */
  full: boolean;
}

/** The same bounds as GET /v1/audit's query. */
const LIMITS = { action: 100, target_id: 64 } as const;
const CURSOR = /^(\d{1,15}|aud_[0-9a-f]{28})$/;

/**
 * The page's query, or why it is refused. Empty fields mean "any".
 *
 * @example
 * parseAuditFilters({ action: "auth.login", cursor: "" }); // { ok: true, value: { action: "auth.login", full: false } }
 * parseAuditFilters({ cursor: "x" });                      // { ok: false, message: "That page link is not valid; start again from the first page." }
 */
export function parseAuditFilters(query: Record<string, string | undefined>): { ok: true; value: AuditFilters } | { ok: false; message: string } {
  const value: AuditFilters = { full: query.check === "full" };
  for (const field of ["action", "target_id"] as const) {
    const text = query[field]?.trim();
    if (!text) continue;
    if (text.length > LIMITS[field]) return { ok: false, message: `The ${field === "action" ? "action" : "target id"} filter may be at most ${LIMITS[field]} characters.` };
    value[field] = text;
  }
  if (query.cursor) {
    if (!CURSOR.test(query.cursor)) return { ok: false, message: "That page link is not valid; start again from the first page." };
    value.cursor = query.cursor;
  }
  return { ok: true, value };
}

/**
 * The page's address with `changes` applied, keeping the other filters (for the next-page and full-check links).
 *
 * @example
 * auditHref({ action: "auth.login", full: false }, { cursor: "40" }); // "/console/audit?action=auth.login&cursor=40"
 */
export function auditHref(filters: AuditFilters, changes: Partial<AuditFilters>): string {
  const merged = { ...filters, ...changes };
  const params = new URLSearchParams();
  if (merged.action) params.set("action", merged.action);
  if (merged.target_id) params.set("target_id", merged.target_id);
  if (merged.cursor) params.set("cursor", merged.cursor);
  if (merged.full) params.set("check", "full");
  const query = params.toString();
  return `/console/audit${query ? `?${query}` : ""}`;
}

/** What each kind of break means, for a reader who does not know the chain's internals. */
export const BREAK_WORDS: Record<BreakReason, string> = {
  content_changed: "the event was changed after it was sealed: its fields no longer match its hash",
  prev_hash_mismatch: "the event does not link to the one before it",
  sequence_gap: "events are missing before this one",
  truncated: "events were removed from the end of the log",
  head_mismatch: "the last event is not the one the signed head names",
  beyond_head: "there are sealed events that no signed head covers",
  head_signature_invalid: "the chain head's signature does not verify",
  head_missing: "sealed events exist but the signed chain head is missing",
};

/**
 * The chain check in words: whether it holds, up to where, and what the run covered.
 *
 * @example
 * chainVerdict({ valid: true, events: 3, from_seq: 0, pending: 0, head: { seq: 3, hash: "…" } }, Date.parse("2026-12-03T22:00:00Z")).headline;
 * // "Chain intact up to seq 3, head signed at 2026-12-03T22:00:00.000Z."
 */
export function chainVerdict(v: AuditVerification, headSignedAt: number | null): { intact: boolean; headline: string; detail: string } {
  const covered = v.from_seq === 0 ? `This check covered all ${v.events} sealed event${v.events === 1 ? "" : "s"} from the first.` : `This check covered the ${v.events} event${v.events === 1 ? "" : "s"} sealed after seq ${v.from_seq}, the last signed checkpoint that still holds.`;
  const pending = v.pending ? ` ${v.pending} newer event${v.pending === 1 ? " is" : "s are"} waiting to be sealed and not part of it.` : "";
  if (v.broken_at) {
    const b = v.broken_at;
    const extra = b.reason === "truncated" && b.head_seq !== undefined ? ` (the signed head says seq ${b.head_seq}, the log ends at ${b.log_end_seq ?? "nothing"})` : "";
    return { intact: false, headline: `Chain broken at seq ${b.seq}: ${BREAK_WORDS[b.reason]}${extra}.`, detail: `Reason code ${b.reason}: ${b.message}. ${covered}${pending}` };
  }
  if (!v.head) return { intact: true, headline: "No event has been sealed yet: there is no chain to check.", detail: pending.trim() };
  const signed = headSignedAt === null ? "" : `, head signed at ${new Date(headSignedAt).toISOString()}`;
  return { intact: true, headline: `Chain intact up to seq ${v.head.seq}${signed}.`, detail: `${covered}${pending}` };
}

/** One event as GET /v1/audit shows it. */
export interface AuditEventView {
  id: string;
  seq: number | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
}

/**
 * An event's metadata, one `key: value` per line: the same content as GET /v1/audit's `metadata`, strings without
 * their quotes, anything else as JSON.
 *
 * @example
 * metadataLines({ from: "processing", scopes: ["faces"] }); // ["from: processing", 'scopes: ["faces"]']
 */
export function metadataLines(metadata: Record<string, unknown>): string[] {
  return Object.entries(metadata).map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

function MetadataList(props: { metadata: Record<string, unknown> }) {
  return (
    <ul class="metadata">
      {metadataLines(props.metadata).map((line) => (
        <li>
          <code>{line}</code>
        </li>
      ))}
    </ul>
  );
}

function Target(props: { type: string | null; id: string | null }) {
  if (!props.type && !props.id) return <>—</>;
  // Auditors may read cases: link a verification to its case page.
  const id = props.id && props.type === "verification" ? <a href={`/console/cases/${encodeURIComponent(props.id)}`}>{props.id}</a> : <code>{props.id ?? "—"}</code>;
  return (
    <>
      {props.type ?? "—"} {id}
    </>
  );
}

export function AuditPage(props: { verdict: ReturnType<typeof chainVerdict>; filters: AuditFilters; events: AuditEventView[]; nextCursor: string | null }) {
  const { verdict, filters } = props;
  return (
    <>
      <h1>Audit log</h1>
      <section aria-labelledby="chain-heading">
        <h2 id="chain-heading">Chain verification</h2>
        <p id="chain-verdict" class={verdict.intact ? "notice chain-ok" : "error-box"} role={verdict.intact ? "status" : "alert"} data-intact={String(verdict.intact)}>
          <strong>{verdict.headline}</strong> {verdict.detail}
        </p>
        {filters.full ? (
          <p class="hint">Checked from the first event.</p>
        ) : (
          <p>
            <a href={auditHref(filters, { full: true, cursor: undefined })}>Check the whole log from the first event</a>{" "}
            <span class="hint">(an edit to an event before the last checkpoint is found only this way)</span>
          </p>
        )}
      </section>

      <h2>Events</h2>
      <form method="get" action="/console/audit" class="filters" aria-label="Filter the audit log">
        <div>
          <label for="a-action">Action</label>
          <input id="a-action" name="action" type="text" maxlength={100} placeholder="e.g. auth.login" value={filters.action ?? ""} />
        </div>
        <div>
          <label for="a-target">Target id</label>
          <input id="a-target" name="target_id" type="text" maxlength={64} value={filters.target_id ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {props.events.length === 0 ? (
        <p class="notice">No event{filters.action || filters.target_id ? " matches these filters" : " yet"}.</p>
      ) : (
        <table id="audit-events">
          <caption class="hint">Newest first</caption>
          <thead>
            <tr>
              <th scope="col">Seq</th>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((e) => (
              <tr data-seq={e.seq === null ? "pending" : String(e.seq)}>
                <td>{e.seq ?? "pending"}</td>
                <td class="when">
                  <time datetime={e.created_at}>{e.created_at.replace("T", " ").slice(0, 19)}</time>
                </td>
                <td>
                  {e.actor_type} {e.actor_id ? <code>{e.actor_id}</code> : null}
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <Target type={e.target_type} id={e.target_id} />
                </td>
                <td>{e.metadata ? <MetadataList metadata={e.metadata} /> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {filters.cursor || props.nextCursor ? (
        <nav aria-label="Audit log pages" class="pager">
          {filters.cursor ? <a href={auditHref(filters, { cursor: undefined, full: false })}>Newest events</a> : null}
          {props.nextCursor ? (
            <a href={auditHref(filters, { cursor: props.nextCursor, full: false })} rel="next">
              Older events
            </a>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
