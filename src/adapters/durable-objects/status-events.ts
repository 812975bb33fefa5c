/** The Durable Object adapter of the StatusEvents port: one VerificationEvents object per verification. */
import type { VerificationEvents } from "../../../durable-objects/verification-events";
import type { StatusEvents } from "../../ports";

export function durableStatusEvents(ns: DurableObjectNamespace<VerificationEvents>): StatusEvents {
  const stub = (id: string) => ns.get(ns.idFromName(id));
  return {
    async publish(event) {
      await stub(event.verification_id).publish(event);
    },
    async clear(verificationId) {
      await stub(verificationId).clear();
    },
    async stream(verificationId, lastEventId) {
      const headers = new Headers();
      if (lastEventId) headers.set("Last-Event-ID", lastEventId);
      return stub(verificationId).fetch(new Request(`https://events/${verificationId}`, { headers }));
    },
  };
}
