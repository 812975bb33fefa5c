/**
 * The Durable Object adapter of the StatusEvents port: one VerificationEvents object per verification. Opening a
 * stream passes the resume point and the tenant (whose stream slots the object leases) and turns the object's cap
 * refusals into 429 RATE_LIMITED in the one error shape.
 */
import type { VerificationEvents } from "../../../durable-objects/verification-events";
import { ApiError } from "../../lib/errors";
import type { StatusEvents } from "../../ports";

/** Seconds a refused client should wait: a slot frees when another stream ends or idles out. */
const RETRY_AFTER_SECONDS = 10;

export function durableStatusEvents(ns: DurableObjectNamespace<VerificationEvents>): StatusEvents {
  const stub = (id: string) => ns.get(ns.idFromName(id));
  return {
    async publish(event) {
      await stub(event.verification_id).publish(event);
    },
    async clear(verificationId) {
      await stub(verificationId).clear();
    },
    async stream({ verificationId, tenantId, lastEventId }) {
      const headers = new Headers({ "X-Tenant-Id": tenantId });
      if (lastEventId) headers.set("Last-Event-ID", lastEventId);
      const res = await stub(verificationId).fetch(new Request(`https://events/${verificationId}`, { headers }));
      if (res.status === 429) {
        const { scope, limit } = (await res.json()) as { scope: "verification" | "tenant"; limit: number };
        const where = scope === "tenant" ? "for this tenant" : "on this verification";
        throw new ApiError("RATE_LIMITED", `At most ${limit} live event streams may be open ${where}; close one or retry after ${RETRY_AFTER_SECONDS} s`, {
          headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
          details: { limit, budget: `event_streams_per_${scope}`, retry_after_seconds: RETRY_AFTER_SECONDS },
        });
      }
      return res;
    },
  };
}
