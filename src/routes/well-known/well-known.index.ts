/** The well-known routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { jwksHandler } from "./well-known.handlers";
import { jwks } from "./well-known.routes";

export const wellKnownRouter = createRouter().openapi(jwks, jwksHandler);
