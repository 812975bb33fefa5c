/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * One case: the images side by side (click to zoom, ELA heatmap as an overlay), the aligned face crops with the
 * similarity and its threshold, duplicates linked, every layer's findings in words with their codes, the risk
 * score, the history, and the decision form for those who may decide. Images load from the console's
 * authenticated URLs only.
 */
import type { RiskContribution } from "../../pipeline/decision";
import type { verificationView } from "../../verifications/view";
import { Messages } from "../form-parts";
import { CSRF_FIELD } from "../csrf";
import { dataValue, duplicateLinks, faceComparison, readingTable } from "../case-facts";
import type { ReadingRow } from "../case-facts";

export type CaseView = Awaited<ReturnType<typeof verificationView>>;
type Finding = { code: string; severity: string; message: string; data?: Record<string, unknown> };

const MEDIA_LABELS: Record<string, string> = { document_front: "Document (front)", document_back: "Document (back)", selfie: "Selfie" };

function Findings(props: { findings: Finding[] }) {
  if (!props.findings.length) return <p class="hint">No findings.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Code</th>
          <th scope="col">Severity</th>
          <th scope="col">What it means</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {props.findings.map((f) => (
          <tr>
            <td>
              <code>{f.code}</code>
            </td>
            <td class={`sev-${f.severity}`}>{f.severity}</td>
            <td>{f.message}</td>
            <td>
              {f.data && Object.keys(f.data).length ? (
                <dl class="facts">
                  {Object.entries(f.data).map(([k, v]) => (
                    <>
                      <dt>{k}</dt>
                      <dd>{dataValue(v)}</dd>
                    </>
                  ))}
                </dl>
              ) : (
                "—"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Image(props: { id: string; kind: string; label: string; src: string; heatmap?: string }) {
  const zoomId = `zoom-${props.kind}`;
  const overlayId = `overlay-${props.kind}`;
  return (
    <figure>
      <figcaption>{props.label}</figcaption>
      {props.heatmap ? <input type="checkbox" class="overlay-toggle" id={overlayId} /> : null}
      <input type="checkbox" class="zoom-toggle" id={zoomId} />
      <label class="zoom-label" for={zoomId}>
        <span class="frame">
          <img src={props.src} alt={`${props.label} as uploaded by the applicant (select to zoom)`} data-kind={props.kind} />
          {props.heatmap ? <img class="heat" src={props.heatmap} alt={`Error level analysis heatmap over the ${props.label.toLowerCase()}`} data-kind="ela" /> : null}
        </span>
      </label>
      {props.heatmap ? (
        <label class="toggle-label" for={overlayId}>
          Show or hide the ELA heatmap overlay
        </label>
      ) : null}
    </figure>
  );
}

function Cell(props: { value: string | null; differs: boolean; note?: string }) {
  if (props.value === null) return <td class="hint">—</td>;
  return (
    <td class={props.differs ? "differs" : undefined}>
      {props.value}
      {props.note ? <span class="hint"> {props.note}</span> : null}
      {props.differs ? <strong class="differs-mark"> ≠ disagrees</strong> : null}
    </td>
  );
}

/** The MRZ read vs the printed fields vs the declared data, disagreements marked in words as well as colour. */
function ReadingTable(props: { table: { source: string | null; lines: string[]; rows: ReadingRow[] } }) {
  const { table } = props;
  const from = table.source === "sent" ? "the MRZ lines the client sent" : "the MRZ read from the image";
  return (
    <>
      {table.lines.length ? (
        <>
          <p class="hint">The MRZ lines, {from}:</p>
          <pre class="mrz-lines">{table.lines.join("\n")}</pre>
        </>
      ) : null}
      <table id="reading-table">
        <caption class="hint">
          Columns: {from}; the printed fields as the vision model read them; what the applicant declared (the document number masked).
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">MRZ</th>
            <th scope="col">Printed</th>
            <th scope="col">Declared</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr data-field={r.field}>
              <th scope="row">{r.label}</th>
              <Cell value={r.mrz} differs={r.mrzDiffers || r.check === false} note={r.check === null ? undefined : r.check ? "(check digit holds)" : "(check digit fails)"} />
              <Cell value={r.printed} differs={r.printedDiffers} />
              <Cell value={r.declared} differs={r.mrzDiffers || r.printedDiffers} />
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export interface ContributionsInfo {
  version: number;
  rows: RiskContribution[];
  hardRules: string[];
  reviewRules: string[];
  thresholds: { verified_max: number; reject_min: number };
}

/** The risk score as the sum of each counted layer's points, and the rules that decided beside it. */
function Contributions(props: { info: ContributionsInfo; riskScore: number | null }) {
  const { info } = props;
  const rows = [...info.rows].sort((a, b) => b.points - a.points);
  return (
    <>
      <p>
        Under settings version {info.version}: verified at or below {info.thresholds.verified_max}, rejected from {info.thresholds.reject_min}.
        {info.hardRules.length ? ` Rejected by the hard rule for ${info.hardRules.join(", ")} whatever the score.` : ""}
        {info.reviewRules.length ? ` Sent to review by the rule for ${info.reviewRules.join(", ")}.` : ""}
      </p>
      <table id="risk-contributions">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Layer risk</th>
            <th scope="col">Weight</th>
            <th scope="col">Points of the score</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-layer={r.layer}>
              <th scope="row">{r.layer}</th>
              <td>{r.score}</td>
              <td>{r.weight}</td>
              <td>{r.points}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Risk score</th>
            <td colspan={2}></td>
            <td>{props.riskScore ?? "—"}</td>
          </tr>
        </tfoot>
      </table>
    </>
  );
}

export interface ClaimInfo {
  mine: boolean;
  userId: string;
  until: string;
}

export interface NoteInfo {
  id: string;
  author_id: string;
  text: string;
  created_at: string;
}

function Claim(props: { base: string; csrf: string; claim: ClaimInfo | null; isAdmin: boolean }) {
  const { claim } = props;
  // Another reviewer's live claim can be released by an admin only; a reviewer waits for it to end.
  const action = !claim ? "claim" : claim.mine || props.isAdmin ? "unclaim" : null;
  return (
    <section aria-labelledby="claim-heading">
      <h2 id="claim-heading">Claim</h2>
      <p id="claim-state">
        {claim ? (claim.mine ? `You hold this case until ${claim.until}.` : `Another reviewer (${claim.userId}) holds this case until ${claim.until}.`) : "Nobody is working on this case."}
      </p>
      {action ? (
        <form method="post" action={`${props.base}/${action}`}>
          <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
          <button type="submit" class="secondary" id={`${action}-button`}>
            {action === "claim" ? "Claim this case" : claim?.mine ? "Release the case" : "Release the other reviewer's claim"}
          </button>
        </form>
      ) : null}
    </section>
  );
}

function Notes(props: { base: string; csrf: string; notes: NoteInfo[] }) {
  return (
    <section aria-labelledby="notes-heading">
      <h2 id="notes-heading">Internal notes</h2>
      <p class="hint">Seen by reviewers and admins only, never by the tenant or the applicant; erased with the verification.</p>
      {props.notes.length ? (
        <ol class="timeline" id="notes">
          {props.notes.map((n) => (
            <li>
              <time datetime={n.created_at}>{n.created_at}</time> ({n.author_id}): {n.text}
            </li>
          ))}
        </ol>
      ) : (
        <p>No notes yet.</p>
      )}
      <form method="post" action={`${props.base}/notes`} class="stack">
        <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
        <label for="note-text">New note</label>
        <textarea id="note-text" name="text" rows={2} maxlength={2000} required></textarea>
        <button type="submit" class="secondary">
          Add note
        </button>
      </form>
    </section>
  );
}

export function CasePage(props: {
  view: CaseView;
  canDecide: boolean;
  csrf: string;
  notice?: string;
  error?: string;
  approveReasons: readonly string[];
  rejectReasons: readonly string[];
  resubmissionReasons: readonly string[];
  claim: ClaimInfo | null;
  isAdmin: boolean;
  notes: NoteInfo[];
  contributions: ContributionsInfo | null;
  audit: { at: string; action: string; actor: string; seq: number | null }[];
}) {
  const v = props.view;
  const layers = v.layers as Record<string, { status: string; score: number | null; findings: Finding[]; evidence: string[] }>;
  const base = `/console/cases/${v.id}`;
  const evidence = new Set(v.evidence.filter((e) => !e.purged).map((e) => e.name));
  const images = v.media.filter((m) => !m.purged && m.kind !== "selfie_frame");
  const face = faceComparison(layers);
  const duplicates = duplicateLinks(layers);
  const mrz = layers.mrz;
  const reading = readingTable(layers, v);
  return (
    <>
      <h1>
        Case <code>{v.id}</code>
      </h1>
      <Messages notice={props.notice} error={props.error} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class={`badge status-${v.status}`} id="case-status">
            {v.status}
          </span>
        </dd>
        <dt>Mode</dt>
        <dd>{v.mode}</dd>
        <dt>Risk score</dt>
        <dd id="risk-score">{v.risk_score === null ? "—" : `${v.risk_score} / 100`}</dd>
        <dt>Reasons</dt>
        <dd>{v.reasons.length ? v.reasons.map((r: string) => <code>{r} </code>) : "—"}</dd>
        <dt>Applicant</dt>
        <dd>{v.applicant ? `${v.applicant.first_name} ${v.applicant.last_name}, born ${v.applicant.date_of_birth}, ${v.applicant.country}` : "erased"}</dd>
        <dt>Document</dt>
        <dd>{`${v.document.type ?? "—"} ${v.document.number_masked ?? ""} (${v.document.issuing_country ?? "—"}, expires ${v.document.expiry_date ?? "—"})`}</dd>
      </dl>

      <h2>Document and selfie</h2>
      {images.length ? (
        <div class="pair">
          {images.map((m) => (
            <Image
              id={v.id}
              kind={m.kind}
              label={MEDIA_LABELS[m.kind] ?? m.kind}
              src={`${base}/media/${m.kind}`}
              heatmap={m.kind === "document_front" && evidence.has("ela") ? `${base}/evidence/ela` : m.kind === "document_back" && evidence.has("ela_back") ? `${base}/evidence/ela_back` : undefined}
            />
          ))}
        </div>
      ) : (
        <p class="hint">The images were deleted under the tenant's retention period.</p>
      )}

      <h2>Face comparison</h2>
      <div class="crops">
        {evidence.has("face_document") ? <img src={`${base}/evidence/face_document`} alt="Aligned face crop from the document" data-kind="face_document" /> : null}
        {evidence.has("face_selfie") ? <img src={`${base}/evidence/face_selfie`} alt="Aligned face crop from the selfie" data-kind="face_selfie" /> : null}
        <p id="face-similarity">
          {face
            ? `Similarity ${face.similarity.toFixed(3)} against a threshold of ${face.threshold} — ${face.match ? "the same person" : "not the same person"}.`
            : "No face comparison was made."}
        </p>
      </div>

      <h2>Duplicates</h2>
      {duplicates.length ? (
        <ul>
          {duplicates.map((d) => (
            <li>
              <code>{d.code}</code>: <a href={`/console/cases/${d.verificationId}`}>{d.verificationId}</a>
              {d.similarity !== undefined ? ` (similarity ${d.similarity})` : ""}
            </li>
          ))}
        </ul>
      ) : (
        <p>No other case shares this face or document.</p>
      )}

      <h2>Liveness</h2>
      {layers.liveness ? <Findings findings={layers.liveness.findings} /> : <p class="hint">Liveness was not checked.</p>}

      <h2>Machine-readable zone and printed fields</h2>
      {reading ? <ReadingTable table={reading} /> : <p class="hint">Neither the MRZ nor the printed fields were read.</p>}
      {mrz ? <Findings findings={mrz.findings} /> : null}

      <h2>Risk score and its contributions</h2>
      {props.contributions ? (
        <Contributions info={props.contributions} riskScore={v.risk_score} />
      ) : (
        <p class="hint">{v.settings_version === null ? "No decision has been made yet." : "The settings version of this decision is no longer on record."}</p>
      )}

      <h2>Every layer's findings</h2>
      {Object.entries(layers).map(([name, layer]) => (
        <section aria-labelledby={`layer-${name}`}>
          <h3 id={`layer-${name}`}>
            {name} — {layer.status}
            {layer.score === null ? "" : `, risk ${layer.score}`}
          </h3>
          <Findings findings={layer.findings} />
        </section>
      ))}

      <h2>History</h2>
      <ol class="timeline">
        {v.history.map((h: { from: string | null; to: string; reason: string | null; at: string | null }) => (
          <li>
            <time datetime={h.at ?? ""}>{h.at}</time>: {h.from ?? "—"} → <strong>{h.to}</strong>
            {h.reason ? (
              <>
                {" "}
                (<code>{h.reason}</code>)
              </>
            ) : null}
          </li>
        ))}
      </ol>
      <h2 id="audit-heading">Audit timeline</h2>
      {props.audit.length ? (
        <ol class="timeline" id="case-audit" aria-labelledby="audit-heading">
          {props.audit.map((e) => (
            <li>
              <time datetime={e.at}>{e.at}</time>: <code>{e.action}</code> by {e.actor}
              {e.seq === null ? " (not yet sealed into the chain)" : ` (seq ${e.seq})`}
            </li>
          ))}
        </ol>
      ) : (
        <p>No audit events name this case.</p>
      )}
      {props.isAdmin || !props.canDecide ? (
        <p class="hint">
          Newest first. The whole log, with its chain check, is on the <a href={`/console/audit?target_id=${encodeURIComponent(v.id)}`}>audit page</a>
          {"."}
        </p>
      ) : null}
      {v.review ? (
        <p id="review-record">
          Reviewed: <strong>{v.review.decision}</strong> — “{v.review.reason}” at {v.review.at}
        </p>
      ) : null}

      {props.canDecide && v.status === "manual_review" ? <Claim base={base} csrf={props.csrf} claim={props.claim} isAdmin={props.isAdmin} /> : null}

      {props.canDecide && v.status === "manual_review" ? (
        <>
          <h2 id="decide">Decision</h2>
          <form method="post" action={`${base}/decision`} class="stack decision-form" aria-labelledby="decide">
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <fieldset>
              <legend>Outcome</legend>
              <label>
                <input type="radio" name="decision" value="approve" id="decision-approve" required /> Approve (verified, final)
              </label>
              <label>
                <input type="radio" name="decision" value="reject" id="decision-reject" /> Reject (not verified, final)
              </label>
              <label>
                <input type="radio" name="decision" value="request_resubmission" id="decision-resubmit" /> Request new images (the applicant may try again)
              </label>
            </fieldset>
            <div class="when-approve">
              <label for="reason-choice">Reason for approving</label>
              <select id="reason-choice" name="approve_reason">
                {props.approveReasons.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </div>
            <div class="when-reject">
              <label for="reject-reason">Reason for rejecting</label>
              <select id="reject-reason" name="reject_reason">
                {props.rejectReasons.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </div>
            <div class="when-resubmit">
              <label for="reason-code">What the applicant must redo</label>
              <select id="reason-code" name="reason_code">
                {props.resubmissionReasons.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </div>
            <label for="reason">Details the tenant sees with the review (optional)</label>
            <textarea id="reason" name="reason" rows={3} maxlength={500}></textarea>
            <label for="note">Internal note (reviewers only, optional)</label>
            <textarea id="note" name="note" rows={2} maxlength={2000}></textarea>
            <button type="submit">Record decision</button>
            <p class="hint">Shortcuts: A approve, R reject, S request new images, / details.</p>
          </form>
        </>
      ) : null}

      {props.canDecide ? <Notes base={base} csrf={props.csrf} notes={props.notes} /> : null}
    </>
  );
}
