/** The health routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { healthHandler, readyHandler } from "./health.handlers";
import { health, ready } from "./health.routes";

export const healthRouter = createRouter().openapi(health, healthHandler).openapi(ready, readyHandler);
