/** The face routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import * as h from "./faces.handlers";
import * as r from "./faces.routes";

export const facesRouter = createRouter().openapi(r.detectRoute, h.detectHandler).openapi(r.compareRoute, h.compareHandler);
