/** The Hono environment every route runs in: bindings, and the typed context variables set by middleware. */
import type { Bindings } from "../env";
import type { Principal } from "../types";
import type { Services } from "./services";

export type AppEnv = {
  Bindings: Bindings;
  Variables: { requestId: string; services: Services; principal: Principal };
};
