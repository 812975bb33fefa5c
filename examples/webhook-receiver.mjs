// A webhook receiver for local development: `WEBHOOK_SECRET=whsec_… node examples/webhook-receiver.mjs`, then add
// http://localhost:4000/webhooks as an endpoint (README "Webhooks"). Verifies each request with `standardwebhooks`.
import http from "node:http";
import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    try {
      const event = webhook.verify(body, req.headers); // throws unless a v1 signature matches and the timestamp is fresh
      console.log(event.type, event.data);
      res.writeHead(204).end(); // any 2xx: delivered (de-duplicate on req.headers["webhook-id"])
    } catch (err) {
      res.writeHead(400).end(String(err.message));
    }
  });
}).listen(4000, () => console.log("receiving webhooks on http://localhost:4000/webhooks"));
