/**
 * Opening a verification's live event stream (client of the VerificationEvents Durable Object): passes the
 * resume point and the tenant (whose stream slots the object leases), and turns the object's cap refusals into
 * 429 RATE_LIMITED in the one error shape. The caller has already authenticated and loaded the verification.
 */
import type { VerificationEvents } from "../../durable-objects/verification-events";
import { ApiError } from "./errors";

/** Seconds a refused client should wait: a slot frees when another stream ends or idles out. */
const RETRY_AFTER_SECONDS = 10;

export async function openEventStream(
  ns: DurableObjectNamespace<VerificationEvents>,
  stream: { verificationId: string; tenantId: string; lastEventId?: string },
): Promise<Response> {
  const headers = new Headers({ "X-Tenant-Id": stream.tenantId });
  if (stream.lastEventId) headers.set("Last-Event-ID", stream.lastEventId);
  const res = await ns.get(ns.idFromName(stream.verificationId)).fetch(new Request(`https://events/${stream.verificationId}`, { headers }));
  if (res.status === 429) {
    const { scope, limit } = (await res.json()) as { scope: "verification" | "tenant"; limit: number };
    const where = scope === "tenant" ? "for this tenant" : "on this verification";
    throw new ApiError("RATE_LIMITED", `At most ${limit} live event streams may be open ${where}; close one or retry after ${RETRY_AFTER_SECONDS} s`, {
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
      details: { limit, budget: `event_streams_per_${scope}`, retry_after_seconds: RETRY_AFTER_SECONDS },
    });
  }
  return new Response(res.body, { status: 200, headers: res.headers });
}
