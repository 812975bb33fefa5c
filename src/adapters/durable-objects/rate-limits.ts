/** The Durable Object adapter of the RateLimits port: one RateLimiter object per subject. */
import type { RateLimiter } from "../../../durable-objects/rate-limiter";
import type { RateLimits } from "../../ports";

export function durableRateLimits(ns: DurableObjectNamespace<RateLimiter>): RateLimits {
  return {
    takeAll: (subject, buckets, credential) => ns.get(ns.idFromName(subject)).takeAll(buckets, credential),
    revoke: async (subject, credentials) => {
      await ns.get(ns.idFromName(subject)).revoke(credentials);
    },
  };
}
