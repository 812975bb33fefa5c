/**
 * The review routes' handlers: parse, call the domain (src/verifications/review.ts), shape the answer.
 * Contracts in review.routes.ts.
 */
import { createRouter } from "../../app/create-app";
import { page } from "../../lib/pagination";
import { requestMeta } from "../../middleware/auth";
import { loadVerification, reviewQueue } from "../../verifications/repository";
import { activeClaim, addNote, claimCase, claimView, listNotes, releaseClaim, reviewVerification } from "../../verifications/review";
import { summaryView, verificationView } from "../../verifications/view";
import { addNoteRoute, claimRoute, listNotesRoute, queueRoute, reviewRoute, unclaimRoute } from "./review.routes";

export const reviewRouter = createRouter()
  .openapi(queueRoute, async (c) => {
    const s = c.var.services;
    const q = c.req.valid("query");
    const rows = await reviewQueue(s, c.var.principal, { limit: q.limit, cursor: q.cursor, unclaimed: q.unclaimed === "true", reason: q.reason, mode: q.mode, olderThanMinutes: q.older_than });
    const result = page(rows, q.limit, (r) => r.id);
    const now = s.now();
    return c.json(
      {
        data: result.data.map((r) => ({
          ...summaryView(r),
          reasons: r.reasons ?? [],
          waiting_since: new Date(r.completedAt ?? r.createdAt).toISOString(),
          ...claimView(activeClaim(r, now)),
        })),
        next_cursor: result.next_cursor,
      },
      200,
    );
  })
  .openapi(claimRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    return c.json(claimView(await claimCase(s, c.var.principal, v, requestMeta(c))), 200);
  })
  .openapi(unclaimRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    await releaseClaim(s, c.var.principal, v, requestMeta(c));
    return c.json(claimView(null), 200);
  })
  .openapi(reviewRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    await reviewVerification(s, c.var.principal, v, c.req.valid("json"), requestMeta(c));
    return c.json((await verificationView(s, v)) as never, 200);
  })
  .openapi(addNoteRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    return c.json(await addNote(s, c.var.principal, v, c.req.valid("json").text, requestMeta(c)), 201);
  })
  .openapi(listNotesRoute, async (c) => {
    const s = c.var.services;
    const v = await loadVerification(s, c.var.principal, c.req.valid("param").id);
    return c.json({ data: await listNotes(s, v) }, 200);
  });
