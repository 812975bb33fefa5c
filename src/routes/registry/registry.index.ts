/** The issuer-registry routes: contracts joined to their handlers (the import with its row-by-row validation hook). */
import { createRouter } from "../../app/create-app";
import { deleteRegistryHandler, importRegistryHandler, importValidationHook, listRegistryHandler, revokeRegistryHandler } from "./registry.handlers";
import { deleteRegistryRoute, importRegistryRoute, listRegistryRoute, revokeRegistryRoute } from "./registry.routes";

export const registryRouter = createRouter()
  .openapi(importRegistryRoute, importRegistryHandler, importValidationHook)
  .openapi(listRegistryRoute, listRegistryHandler)
  .openapi(revokeRegistryRoute, revokeRegistryHandler)
  .openapi(deleteRegistryRoute, deleteRegistryHandler);
