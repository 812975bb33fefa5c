/** HTTP handlers of the audit routes: the log (sealed first) and its chain check; the queries live in src/audit/. */
import type { RouteHandler } from "@hono/zod-openapi";
import { listAuditEvents, parseMetadata } from "../../audit/list";
import { log } from "../../lib/log";
import { page } from "../../lib/pagination";
import type { AppEnv } from "../../app/context";
import type { listAuditRoute, verifyAuditRoute } from "./audit.routes";

export const listAuditHandler: RouteHandler<typeof listAuditRoute, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const tenantId = c.var.principal.tenantId;
  const s = c.var.services;
  try {
    await s.audit.seal(tenantId);
  } catch (err) {
    // The log is still readable; unsealed events show as pending.
    log.warn("audit_seal_failed", { request_id: c.get("requestId"), during: "list", error: err });
  }
  const rows = await listAuditEvents(s, tenantId, q);
  const { data, next_cursor } = page(rows, q.limit, (r) => (r.seq === null ? r.id : String(r.seq)));
  return c.json(
    {
      data: data.map((r) => ({
        id: r.id,
        seq: r.seq,
        pending: r.seq === null,
        actor_type: r.actorType,
        actor_id: r.actorId,
        action: r.action,
        target_type: r.targetType,
        target_id: r.targetId,
        ip_hash: r.ipHash,
        metadata: parseMetadata(r.metadata),
        created_at: new Date(r.createdAt).toISOString(),
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
      next_cursor,
    },
    200,
  );
};

export const verifyAuditHandler: RouteHandler<typeof verifyAuditRoute, AppEnv> = async (c) => {
  const { full } = c.req.valid("query");
  return c.json(await c.var.services.audit.verify(c.var.principal.tenantId, { full: full === "true" }), 200);
};
