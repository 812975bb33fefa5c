/** The API-key routes: contracts joined to their handlers. */
import { createRouter } from "../../app/create-app";
import { createApiKeyHandler, listApiKeysHandler, revokeApiKeyHandler } from "./api-keys.handlers";
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys.routes";

export const apiKeysRouter = createRouter()
  .openapi(createApiKeyRoute, createApiKeyHandler)
  .openapi(listApiKeysRoute, listApiKeysHandler)
  .openapi(revokeApiKeyRoute, revokeApiKeyHandler);
