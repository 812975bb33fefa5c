/** The audit routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { listAuditHandler, verifyAuditHandler } from "./audit.handlers";
import { listAuditRoute, verifyAuditRoute } from "./audit.routes";

export const auditRouter = createRouter().openapi(verifyAuditRoute, verifyAuditHandler).openapi(listAuditRoute, listAuditHandler);
