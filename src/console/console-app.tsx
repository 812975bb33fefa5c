/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The reviewer console at /console: server-rendered pages over the same domain functions as the API (never over
 * HTTP), for the roles of the API — reviewers and admins review, auditors read, admins change settings.
 *
 * - Sign-in issues a session of our refresh-token family and keeps its refresh token in an HttpOnly, Secure,
 *   SameSite=Strict `__Host-` cookie; every request re-resolves it (src/console/session-store.ts).
 * - Every POST passes the CSRF checks of src/console/csrf.ts (token and same-origin headers) or gets a 403 page.
 * - A strict CSP with a per-request nonce: scripts only with the nonce, styles and images from us only, no frames.
 * - Images stream from R2 through authenticated URLs with `Cache-Control: private, no-store`.
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { ApiError, notFound } from "../lib/errors";
import { log } from "../lib/log";
import { dummyPasswordHash, verifyPassword } from "../lib/passwords";
import { requestMeta } from "../middleware/auth";
import { RESUBMISSION_REASONS } from "../pipeline/codes";
import type { LayerName } from "../pipeline/codes";
import { riskContributions } from "../pipeline/decision";
import type { LayerResult } from "../pipeline/types";
import type { ResubmissionReason } from "../pipeline/codes";
import { BUDGETS, takeAccountLimit } from "../identity/rate-limit";
import { issueSession, revokeFamily } from "../identity/sessions";
import { findUserByEmail } from "../identity/users";
import { listAuditEvents } from "../audit/list";
import { updateSettings } from "../settings/settings";
import { listMedia, MEDIA_KINDS, openArtifact } from "../verifications/media";
import type { MediaKind } from "../verifications/media";
import { loadVerification, reviewQueue } from "../verifications/repository";
import { REVIEW_DECISIONS, activeClaim, addNote, claimCase, listNotes, releaseClaim, reviewVerification } from "../verifications/review";
import type { ReviewDecision } from "../verifications/review";
import { loadVerificationView } from "../verifications/view";
import type { Principal } from "../types";
import { adminPages } from "./admin/routes";
import { auditorPages } from "./auditor/routes";
import { CSRF_FIELD, csrfToken, csrfTokenValid, sameOriginRequest } from "./csrf";
import { CONSOLE_ROLES, DECIDING_ROLES, allow, page, principalOf, privateFile, problem } from "./kit";
import type { ConsoleContext, ConsoleEnv } from "./kit";
import { CasePage } from "./pages/case";
import { LoginPage } from "./pages/login";
import { QueuePage } from "./pages/queue";
import { SettingsPage } from "./pages/settings";
import { formOf, parseSettingsForm } from "./settings-form";
import { filtering, parseQueueFilters, toReviewQueueFilter } from "./queue-filters";
import { resolveConsoleSession } from "./session-store";
import { CONSOLE_CSS } from "./stylesheet";

/** The cookie's name without its `__Host-` prefix (hono adds it). */
export const CONSOLE_COOKIE = "ekyc_console";
/** The cookie's full name as the browser stores it. */
export const CONSOLE_COOKIE_NAME = `__Host-${CONSOLE_COOKIE}`;

/** Cases read for the queue page; filters narrow these. */
const QUEUE_WINDOW = 200;
/** The reasons a reviewer picks from when approving; free-text details are appended. */
export const APPROVE_REASONS = ["Document and selfie are consistent", "Duplicate explained: the same person", "Evidence reviewed: findings are false positives"] as const;
/** The reasons a reviewer picks from when rejecting. */
export const REJECT_REASONS = [
  "The selfie does not show the document holder",
  "The document appears altered or forged",
  "Duplicate identity: the face belongs to another applicant",
  "The declared data contradicts the document",
] as const;

/** Audit events listed on a case page (newest first; the audit log has them all). */
const CASE_AUDIT_SHOWN = 50;
/** Saved settings versions listed on the settings page. */
const SETTINGS_HISTORY_SHOWN = 20;

/** What the case page says after a successful action (`?done=`). */
const DONE_NOTICES: Record<string, string> = {
  approve: "Decision recorded: approved.",
  reject: "Decision recorded: rejected.",
  request_resubmission: "Resubmission requested: the applicant will be asked for new images.",
  claimed: "You claimed this case; other reviewers cannot decide it while your claim lasts.",
  released: "Claim released.",
  noted: "Internal note added.",
};

const KEYBOARD_SCRIPT = `document.addEventListener("keydown",function(e){var t=e.target;if(t&&t.matches&&t.matches("textarea,select,input[type=text],input[type=number],input[type=email],input[type=password]"))return;if(e.ctrlKey||e.metaKey||e.altKey)return;var k=e.key.toLowerCase();if(k==="a"){var a=document.getElementById("decision-approve");if(a)a.click();}else if(k==="r"){var r=document.getElementById("decision-reject");if(r)r.click();}else if(k==="s"){var q=document.getElementById("decision-resubmit");if(q)q.click();}else if(k==="/"){var d=document.getElementById("reason");if(d){e.preventDefault();d.focus();}}});`;

/** The request's own host, as the browser addressed it. */
function selfHost(c: ConsoleContext): string {
  return c.req.header("Host") ?? new URL(c.req.url).host;
}

function originVerdict(c: ConsoleContext) {
  const origin = c.req.header("Origin");
  let originForCheck = origin;
  // Compare hosts: behind a TLS-terminating proxy the scheme the Worker sees may differ from the browser's.
  // "null" is passed on as it is: sameOriginRequest decides it with Sec-Fetch-Site.
  if (origin && origin !== "null") {
    try {
      originForCheck = new URL(origin).host === selfHost(c) ? "self" : origin;
    } catch {
      originForCheck = "unparseable";
    }
  }
  return sameOriginRequest({ origin: originForCheck, secFetchSite: c.req.header("Sec-Fetch-Site") }, "self");
}

/** Resolves the session cookie; GETs without one go to the sign-in page, anything else gets a 403 page. */
const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const s = c.var.services;
  const found = await resolveConsoleSession(s, getCookie(c, CONSOLE_COOKIE, "host"));
  if (!found.ok) {
    if (found.reason !== "missing") deleteCookie(c, CONSOLE_COOKIE, { path: "/", secure: true, prefix: "host" });
    if (c.req.method === "GET" || c.req.method === "HEAD") return c.redirect("/console/login", 303);
    return problem(c, 403, "Not signed in", "Your session has ended. Sign in again, then repeat what you were doing.");
  }
  const { session } = found;
  c.set("session", session);
  c.set("viewer", { email: session.user.email, role: session.user.role, csrf: await csrfToken(s.crypto, session.user.tenantId, session.familyId) });
  if (!CONSOLE_ROLES.includes(session.user.role)) return problem(c, 403, "Not allowed", "The console is for reviewers, admins and auditors.");
  await next();
};

/** Every POST behind the session: the CSRF token of the session and a same-origin request, or a 403 page. */
const requireCsrf: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  const session = c.get("session");
  const verdict = originVerdict(c);
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const tokenOk = await csrfTokenValid(c.var.services.crypto, session.user.tenantId, session.familyId, (form as Record<string, unknown>)[CSRF_FIELD]);
  if (!verdict.ok || !tokenOk) {
    log.info("console_csrf_refused", { request_id: c.get("requestId"), path: c.req.path, reason: verdict.ok ? "token" : verdict.reason });
    return problem(c, 403, "Request refused", "This form was not sent from a console page of this session, so nothing was changed.");
  }
  await next();
};

export function buildConsole() {
  const app = new Hono<ConsoleEnv>();

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: [NONCE],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        connectSrc: ["'self'"],
      },
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
    }),
  );

  app.onError((err, c) => {
    const apiError = err instanceof ApiError ? err : null;
    if (!apiError || apiError.status >= 500) {
      log.error("console_failed", { request_id: c.get("requestId"), path: c.req.path, error: err });
      return problem(c, 500, "Something went wrong", "Something went wrong on our side; the request id identifies it in our logs.");
    }
    const status = ([400, 401, 403, 404, 409, 429] as const).find((s) => s === apiError.status) ?? 400;
    const titles = { 400: "Invalid request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many attempts" } as const;
    return problem(c, status, titles[status], apiError.message);
  });

  app.get("/assets/console.css", (c) => {
    c.header("Content-Type", "text/css; charset=utf-8");
    c.header("Cache-Control", "public, max-age=300");
    return c.body(CONSOLE_CSS);
  });

  app.get("/login", async (c) => {
    const found = await resolveConsoleSession(c.var.services, getCookie(c, CONSOLE_COOKIE, "host"));
    if (found.ok) return c.redirect("/console", 303);
    return page(c, "Sign in", <LoginPage notice={c.req.query("signed_out") ? "You are signed out." : undefined} />);
  });

  app.post("/login", async (c) => {
    const s = c.var.services;
    if (!originVerdict(c).ok) return problem(c, 403, "Request refused", "Sign in from the console's own sign-in page.");
    const form = await c.req.parseBody();
    const email = typeof form.email === "string" ? form.email.trim().slice(0, 320) : "";
    const password = typeof form.password === "string" ? form.password.slice(0, 1024) : "";
    if (!email || !password) return page(c, "Sign in", <LoginPage email={email} error="Enter your email and password." />, 400);
    const limit = await takeAccountLimit(s.rateLimits, "login", email, BUDGETS.loginAccount);
    if (!limit.allowed) return page(c, "Sign in", <LoginPage email={email} error="Too many sign-in attempts for this account; wait a minute and try again." />, 429);
    const user = await findUserByEmail(s.db, email);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !valid) {
      if (user) await s.audit.append({ tenantId: user.tenantId, actorType: "anonymous", action: "auth.login_failed", targetType: "user", targetId: user.id }, requestMeta(c));
      return page(c, "Sign in", <LoginPage email={email} error="Invalid email or password." />, 401);
    }
    if (!CONSOLE_ROLES.includes(user.role)) return page(c, "Sign in", <LoginPage email={email} error="The console is for reviewers, admins and auditors." />, 403);
    await s.audit.append({ tenantId: user.tenantId, actorType: "user", actorId: user.id, action: "auth.login", targetType: "user", targetId: user.id, metadata: { via: "console" } }, requestMeta(c));
    const { refresh_token } = await issueSession(s, user);
    setCookie(c, CONSOLE_COOKIE, refresh_token, { prefix: "host", httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    return c.redirect("/console", 303);
  });

  app.use("*", requireSession, requireCsrf);

  app.post("/logout", async (c) => {
    const s = c.var.services;
    const { user, familyId } = c.get("session");
    await revokeFamily(s.db, familyId, s.now());
    await s.audit.append({ tenantId: user.tenantId, actorType: "user", actorId: user.id, action: "auth.logout", targetType: "user", targetId: user.id, metadata: { via: "console" } }, requestMeta(c));
    deleteCookie(c, CONSOLE_COOKIE, { path: "/", secure: true, prefix: "host" });
    return c.redirect("/console/login?signed_out=1", 303);
  });

  app.get("/", async (c) => {
    const s = c.var.services;
    const principal = principalOf(c.get("session"));
    const filters = parseQueueFilters(c.req.query());
    const [rows, unfiltered] = await Promise.all([
      reviewQueue(s, principal, { limit: QUEUE_WINDOW, ...toReviewQueueFilter(filters) }),
      // The reason codes offered in the filter: those of the cases waiting now.
      filtering(filters) ? reviewQueue(s, principal, { limit: QUEUE_WINDOW }) : null,
    ]);
    const now = s.now();
    const me = principal.type === "user" ? principal.userId : "";
    const items = rows.slice(0, QUEUE_WINDOW).map((r) => {
      const claim = activeClaim(r, now);
      return { id: r.id, mode: r.mode, riskScore: r.riskScore, reasons: r.reasons ?? [], waitingSince: r.completedAt ?? r.createdAt, claimedBy: claim ? (claim.userId === me ? "you" : claim.userId) : null };
    });
    const reasonCodes = [...new Set([...(unfiltered ?? rows).flatMap((r) => r.reasons ?? []), ...(filters.reason ? [filters.reason] : [])])].sort();
    return page(c, "Review queue", <QueuePage rows={items} filters={filters} reasonCodes={reasonCodes} now={now} more={rows.length > QUEUE_WINDOW} />);
  });

  const casePage = async (c: ConsoleContext, id: string, extra: { notice?: string; error?: string } = {}, status: 200 | 400 | 409 = 200) => {
    const s = c.var.services;
    const principal = principalOf(c.get("session"));
    const row = await loadVerification(s, principal, id);
    const canDecide = allow(c, DECIDING_ROLES);
    const [view, notes, auditRows, decidedUnder] = await Promise.all([
      loadVerificationView(s, principal, id),
      canDecide ? listNotes(s, row) : Promise.resolve([]),
      listAuditEvents(s, principal.tenantId, { target_id: id, limit: CASE_AUDIT_SHOWN }),
      // The weights and rules of the settings version the decision was made under, to explain its risk score.
      row.settingsVersion === null ? null : s.settings.atVersion(principal.tenantId, row.settingsVersion),
    ]);
    const audit = auditRows.slice(0, CASE_AUDIT_SHOWN).map((e) => ({ at: new Date(e.createdAt).toISOString(), action: e.action, actor: `${e.actorType}${e.actorId ? ` ${e.actorId}` : ""}`, seq: e.seq }));
    const layerList = Object.entries(view.layers as Record<string, { status: LayerResult["status"]; score: number | null }>).map(([layer, l]) => ({ layer: layer as LayerName, status: l.status, score: l.score ?? 0 }));
    const contributions =
      decidedUnder && row.settingsVersion !== null
        ? {
            version: row.settingsVersion,
            rows: riskContributions(layerList, decidedUnder),
            hardRules: view.reasons.filter((r: string) => (decidedUnder.hard_fail_codes as string[]).includes(r)),
            reviewRules: view.reasons.filter((r: string) => (decidedUnder.review_codes as string[]).includes(r)),
            thresholds: decidedUnder.thresholds,
          }
        : null;
    const claim = activeClaim(row, s.now());
    const viewer = c.get("viewer");
    return page(
      c,
      `Case ${id}`,
      <CasePage
        view={view}
        canDecide={canDecide}
        csrf={viewer.csrf}
        approveReasons={APPROVE_REASONS}
        rejectReasons={REJECT_REASONS}
        resubmissionReasons={RESUBMISSION_REASONS}
        claim={claim ? { mine: claim.userId === principal.userId, userId: claim.userId, until: new Date(claim.until).toISOString() } : null}
        isAdmin={allow(c, ["admin"])}
        notes={notes}
        contributions={contributions}
        audit={audit}
        {...extra}
      />,
      status,
      KEYBOARD_SCRIPT,
    );
  };

  /** Runs a reviewer's action on a case; a refusal the reviewer can act on (409, 400) shows on the case page. */
  const caseAction = async (c: ConsoleContext, action: (principal: Principal & { type: "user" }, id: string) => Promise<string>) => {
    if (!allow(c, DECIDING_ROLES)) return problem(c, 403, "Not allowed", `Your role \`${c.get("session").user.role}\` can read cases but not work on them.`);
    const id = c.req.param("id") ?? "";
    try {
      const done = await action(principalOf(c.get("session")), id);
      return c.redirect(`/console/cases/${encodeURIComponent(id)}?done=${done}`, 303);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 400)) {
        const fields = err.details?.fields as Record<string, string[]> | undefined;
        const detail = fields ? ` (${Object.entries(fields).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ")})` : "";
        return casePage(c, id, { error: `${err.message}${detail}` }, err.status as 400 | 409);
      }
      throw err;
    }
  };

  app.get("/cases/:id", (c) => {
    const done = c.req.query("done") ?? "";
    return casePage(c, c.req.param("id"), { notice: DONE_NOTICES[done] });
  });

  app.post("/cases/:id/decision", (c) =>
    caseAction(c, async (principal, id) => {
      const s = c.var.services;
      const form = await c.req.parseBody();
      const decision = typeof form.decision === "string" && (REVIEW_DECISIONS as readonly string[]).includes(form.decision) ? (form.decision as ReviewDecision) : null;
      if (!decision) throw new ApiError("VALIDATION_ERROR", "Choose approve, reject or request resubmission.");
      const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string).trim() : "");
      // The form shows one reason list per outcome; `reason_choice` is the older single list's field.
      const choice = text(decision === "approve" ? "approve_reason" : "reject_reason") || text("reason_choice");
      const reason = [choice, text("reason")].filter(Boolean).join(": ").slice(0, 1000);
      const note = text("note");
      const input =
        decision === "request_resubmission"
          ? { decision, reason_code: text("reason_code") as ResubmissionReason, reason: text("reason") || undefined, note: note || undefined }
          : { decision, reason, note: note || undefined };
      const v = await loadVerification(s, principal, id);
      await reviewVerification(s, principal, v, input, requestMeta(c));
      return decision;
    }),
  );

  app.post("/cases/:id/claim", (c) =>
    caseAction(c, async (principal, id) => {
      const s = c.var.services;
      await claimCase(s, principal, await loadVerification(s, principal, id), requestMeta(c));
      return "claimed";
    }),
  );

  app.post("/cases/:id/unclaim", (c) =>
    caseAction(c, async (principal, id) => {
      const s = c.var.services;
      await releaseClaim(s, principal, await loadVerification(s, principal, id), requestMeta(c));
      return "released";
    }),
  );

  app.post("/cases/:id/notes", (c) =>
    caseAction(c, async (principal, id) => {
      const s = c.var.services;
      const form = await c.req.parseBody();
      const text = typeof form.text === "string" ? form.text : "";
      await addNote(s, principal, await loadVerification(s, principal, id), text, requestMeta(c));
      return "noted";
    }),
  );

  app.get("/cases/:id/media/:kind", async (c) => {
    const s = c.var.services;
    const kind = c.req.param("kind");
    if (!(MEDIA_KINDS as readonly string[]).includes(kind)) throw notFound("Image");
    const v = await loadVerification(s, principalOf(c.get("session")), c.req.param("id"));
    const row = (await listMedia(s, v.id)).filter((m) => m.kind === (kind as MediaKind) && m.purgedAt === null).at(-1);
    const file = row ? await s.media.open(row.r2Key) : null;
    if (!file) throw notFound("Image");
    return privateFile(file);
  });

  app.get("/cases/:id/evidence/:name", async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, principalOf(c.get("session")), c.req.param("id"));
    const file = await openArtifact(s, v, c.req.param("name"));
    if (!file) throw notFound("Evidence");
    return privateFile(file);
  });

  app.get("/settings", async (c) => {
    if (!allow(c, ["admin"])) return problem(c, 403, "Not allowed", "Only admins can see and change the settings.");
    const tenantId = c.get("session").user.tenantId;
    const [current, history] = await Promise.all([c.var.services.settings.get(tenantId), c.var.services.settings.history(tenantId, SETTINGS_HISTORY_SHOWN)]);
    const saved = c.req.query("saved") ? "Settings saved." : undefined;
    return page(c, "Settings", <SettingsPage version={current.version} form={formOf(current.settings)} errors={{}} csrf={c.get("viewer").csrf} notice={saved} history={history} />);
  });

  app.post("/settings", async (c) => {
    if (!allow(c, ["admin"])) return problem(c, 403, "Not allowed", "Only admins can see and change the settings.");
    const s = c.var.services;
    const session = c.get("session");
    const body = await c.req.parseBody();
    const posted = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string" && e[0] !== CSRF_FIELD));
    const current = await s.settings.get(session.user.tenantId);
    const { patch, errors } = parseSettingsForm(posted, current.settings);
    if (!Object.keys(errors).length) {
      try {
        await updateSettings(s, principalOf(session), patch, requestMeta(c));
        return c.redirect("/console/settings?saved=1", 303);
      } catch (err) {
        if (!(err instanceof ApiError) || (err.code !== "VALIDATION_ERROR" && err.code !== "CONFLICT")) throw err;
        if (err.code === "CONFLICT") errors["(body)"] = [err.message];
        else Object.assign(errors, (err.details?.fields as Record<string, string[]>) ?? { "(body)": [err.message] });
      }
    }
    // The form shows what the admin typed, over the current values for anything not posted.
    const form = { ...formOf(current.settings), ...posted };
    const history = await s.settings.history(session.user.tenantId, SETTINGS_HISTORY_SHOWN);
    return page(c, "Settings", <SettingsPage version={current.version} form={form} errors={errors} csrf={c.get("viewer").csrf} history={history} />, 400);
  });

  app.route("/admin", adminPages());
  app.route("/", auditorPages());

  app.all("*", (c) => problem(c, 404, "Not found", "There is no console page at this address."));
  return app;
}

