/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The review queue: manual-review cases, oldest first, with filters that work as a plain GET form. */
import type { QueueFilters } from "../queue-filters";
import { filtering, waitedFor } from "../queue-filters";

export interface QueueRow {
  id: string;
  mode: string;
  riskScore: number | null;
  reasons: string[];
  /** When the case started waiting for a reviewer (ms). */
  waitingSince: number;
  /** "you", another user's id, or null when nobody holds a live claim. */
  claimedBy: string | null;
}

export function QueuePage(props: { rows: QueueRow[]; filters: QueueFilters; reasonCodes: string[]; now: number; more: boolean }) {
  const { filters } = props;
  return (
    <>
      <h1>Review queue</h1>
      <form method="get" action="/console" class="filters" aria-label="Filter the queue">
        <div>
          <label for="f-reason">Reason code</label>
          <select id="f-reason" name="reason">
            <option value="">Any</option>
            {props.reasonCodes.map((code) => (
              <option value={code} selected={filters.reason === code}>
                {code}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-mode">Mode</label>
          <select id="f-mode" name="mode">
            <option value="">Any</option>
            <option value="live" selected={filters.mode === "live"}>
              live
            </option>
            <option value="test" selected={filters.mode === "test"}>
              test
            </option>
          </select>
        </div>
        <div>
          <label for="f-age">Waiting at least (hours)</label>
          <input id="f-age" name="min_age_hours" type="number" min="0" step="1" value={filters.minAgeHours ? String(filters.minAgeHours) : ""} />
        </div>
        <div>
          <label>
            <input type="checkbox" name="unclaimed" value="1" checked={filters.unclaimed === true} /> Unclaimed only
          </label>
        </div>
        <button type="submit">Filter</button>
      </form>
      {props.rows.length === 0 ? (
        <p class="notice">No case is waiting for review{filtering(filters) ? " with these filters" : ""}.</p>
      ) : (
        <table>
          <caption class="hint">{`${props.rows.length} case${props.rows.length === 1 ? "" : "s"}, oldest first`}</caption>
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Waiting for</th>
              <th scope="col">Mode</th>
              <th scope="col">Risk score</th>
              <th scope="col">Reasons</th>
              <th scope="col">Claimed by</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr>
                <td>
                  <a href={`/console/cases/${row.id}`}>{row.id}</a>
                </td>
                <td>{waitedFor(props.now - row.waitingSince)}</td>
                <td>{row.mode}</td>
                <td>{row.riskScore ?? "—"}</td>
                <td>{row.reasons.length ? row.reasons.map((r) => <code>{r} </code>) : "—"}</td>
                <td>{row.claimedBy ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.more ? <p class="hint">Only the oldest cases are shown; settle them to see more.</p> : null}
    </>
  );
}
