/**
 * A real HTTP webhook receiver for the workers tests, run in Node by vitest.config.ts for the whole test run. The
 * Worker under test POSTs to it over the network like to any receiver (`RECEIVER_ORIGIN`, http://127.0.0.1:<port>,
 * allowed because ENVIRONMENT=test); tests program it and read what it got through the RECEIVER service binding:
 *
 *   POST {origin}/r/<inbox>            a delivery: recorded (headers, raw body, time), answered as programmed
 *   POST RECEIVER/program {inbox, responses: [{status, retry_after?, location?, body?}, …]}  answers for the next requests
 *                                      of that inbox, in order (then 200)
 *   GET  RECEIVER/received?inbox=<inbox>  → [{headers, body, at}] in arrival order
 *   GET  RECEIVER/all                  → every body received in this run (the personal-data scan)
 */
import http from "node:http";

/** Starts the receiver; resolves with its origin and the control binding. */
export async function startWebhookReceiver() {
  const inboxes = new Map();
  const programs = new Map();
  const all = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const match = /^\/r\/([\w.-]{1,100})$/.exec(req.url ?? "");
      if (!match || req.method !== "POST") {
        res.writeHead(404).end("no such inbox");
        return;
      }
      const inbox = match[1];
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      if (!inboxes.has(inbox)) inboxes.set(inbox, []);
      inboxes.get(inbox).push({ headers, body, at: Date.now() });
      all.push(body);
      const next = programs.get(inbox)?.shift() ?? { status: 200 };
      res.writeHead(next.status, {
        "content-type": "text/plain",
        ...(next.retry_after !== undefined ? { "retry-after": String(next.retry_after) } : {}),
        ...(next.location !== undefined ? { location: next.location } : {}),
      });
      res.end(next.body ?? (next.status < 300 ? "ok" : `answered ${next.status}`));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const origin = `http://127.0.0.1:${server.address().port}`;

  /** The RECEIVER service binding. */
  async function control(request) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/program") {
      const { inbox, responses } = await request.json();
      programs.set(inbox, [...responses]);
      return new Response(null, { status: 204 });
    }
    if (url.pathname === "/received") return Response.json(inboxes.get(url.searchParams.get("inbox")) ?? []);
    if (url.pathname === "/all") return Response.json(all);
    return new Response("unknown control path", { status: 404 });
  }
  return { origin, control };
}
