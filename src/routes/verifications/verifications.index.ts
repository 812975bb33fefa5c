/** The verification routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import * as h from "./verifications.handlers";
import * as r from "./verifications.routes";

export const verificationsRouter = createRouter()
  .openapi(r.createVerificationRoute, h.createVerificationHandler)
  .openapi(r.listVerificationsRoute, h.listVerificationsHandler)
  .openapi(r.getVerificationRoute, h.getVerificationHandler)
  .openapi(r.uploadMediaRoute, h.uploadMediaHandler)
  .openapi(r.submitRoute, h.submitHandler)
  .openapi(r.eventsRoute, h.eventsHandler)
  .openapi(r.receiptRoute, h.receiptHandler)
  .openapi(r.deleteVerificationRoute, h.deleteVerificationHandler)
  .openapi(r.redecideRoute, h.redecideHandler)
  .openapi(r.challengeRoute, h.challengeHandler)
  .openapi(r.exportRoute, h.exportHandler)
  .openapi(r.evidenceRoute, h.evidenceHandler);
