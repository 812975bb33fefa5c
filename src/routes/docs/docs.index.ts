/**
 * The /docs route: the Scalar reference page (docs-page.ts) under its own Content-Security-Policy. Scripts only from
 * this origin or with the request's nonce; requests (spec, try-it) only to this origin. Styles allow 'unsafe-inline'
 * because Scalar injects its CSS at runtime without a nonce; images allow data: for its inline icons.
 */
import { Hono } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../../app/context";
import { docsPage } from "./docs-page";

const docsContentSecurityPolicy = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'", NONCE],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:", "blob:"],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    workerSrc: ["'self'", "blob:"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

export const docsRouter = new Hono<AppEnv>().get("/docs", docsContentSecurityPolicy, (c) => {
  // secureHeaders sets the nonce on the context when it builds the policy, before the handler runs.
  const nonce = c.get("secureHeadersNonce") as string;
  return c.html(docsPage(nonce));
});
