#!/usr/bin/env node
/**
 * One autocannon run for bench/api/run.mjs, in its own process so the client's CPU is not the orchestrator's.
 *
 *   node bench/api/autocannon.mjs '{"origin":"http://127.0.0.1:8787","method":"GET","body":null,
 *                                   "reqs":[{"path":"/v1/verifications/ver_…","key":"ek_live_…"}],"connections":16,"seconds":10}'
 *
 * Every connection sends `reqs` in turn (one per tenant), one request in flight at a time; latencies are recorded as
 * they happened (no coordinated-omission correction: that needs a fixed rate, `-R`, which a saturation test has not).
 * Prints autocannon's result as JSON on stdout, as its CLI does with `-j`.
 */
import autocannon from "autocannon";

const spec = JSON.parse(process.argv[2] ?? "{}");
const headers = (key) => ({ "X-API-Key": key, ...(spec.body ? { "Content-Type": "application/json" } : {}) });
const result = await autocannon({
  url: spec.origin,
  connections: spec.connections,
  duration: spec.seconds,
  timeout: 5,
  requests: spec.reqs.map((q) => ({ method: spec.method, path: q.path, headers: headers(q.key), ...(spec.body ? { body: spec.body } : {}) })),
});
process.stdout.write(JSON.stringify(result) + "\n");
