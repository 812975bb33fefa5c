/** The verification-session routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import * as h from "./verification-sessions.handlers";
import * as r from "./verification-sessions.routes";

export const verificationSessionsRouter = createRouter()
  .openapi(r.createSessionRoute, h.createSessionHandler)
  .openapi(r.getSessionRoute, h.getSessionHandler)
  .openapi(r.cancelSessionRoute, h.cancelSessionHandler)
  .openapi(r.exchangeSecretRoute, h.exchangeSecretHandler);
