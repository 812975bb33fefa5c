/** The /v1/me routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { deleteMeHandler, getMeHandler, patchMeHandler } from "./me.handlers";
import { deleteMe, getMe, patchMe } from "./me.routes";

export const meRouter = createRouter().openapi(getMe, getMeHandler).openapi(patchMe, patchMeHandler).openapi(deleteMe, deleteMeHandler);
