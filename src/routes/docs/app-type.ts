/**
 * The API's type for the typed client: `hc<AppType>(base)` from `hono/client` gets every JSON route's path,
 * parameters, body and responses from the routers' own contracts (examples/client.mjs; README "Typed client").
 *
 * It is the union of the routers buildApi() mounts, because buildApi() mounts them one statement at a time and so its
 * return type does not accumulate their routes; hc merges a union into one client. A router added to buildApi()
 * belongs here too. Two corrections make @hono/zod-openapi's inferred inputs usable from a client:
 *  - a route that accepts JSON or multipart takes `json` or `form` (both optional), not both at once;
 *  - a `header` object whose every field is optional (e.g. `Idempotency-Key`) may be left out.
 */
import type { Hono, Schema as HonoSchema } from "hono";
import type { healthRouter } from "../health/health.index";
import type { wellKnownRouter } from "../well-known/well-known.index";
import type { authRouter } from "../auth/auth.index";
import type { meRouter } from "../me/me.index";
import type { usersRouter } from "../users/users.index";
import type { apiKeysRouter } from "../api-keys/api-keys.index";
import type { auditRouter } from "../audit/audit.index";
import type { verificationsRouter } from "../verifications/verifications.index";
import type { verificationSessionsRouter } from "../verification-sessions/verification-sessions.index";
import type { reviewRouter } from "../review/review.index";
import type { settingsRouter } from "../settings/settings.index";
import type { facesRouter } from "../faces/faces.index";
import type { registryRouter } from "../registry/registry.index";
import type { webhooksRouter } from "../webhooks/webhooks.index";
import type { statsRouter } from "../stats/stats.index";

// Both become optional rather than a union of the two: hc would turn a union of inputs into a union of functions,
// which TypeScript can only call with both.
type EitherBody<Input> = Input extends { json: infer Json; form: infer Form } ? Omit<Input, "json" | "form"> & { json?: Json; form?: Form } : Input;
type OptionalHeader<Input> = Input extends { header: infer Header } ? ({} extends Header ? Omit<Input, "header"> & { header?: Header } : Input) : Input;
type ClientEndpoint<Endpoint> = Endpoint extends { input: infer Input } ? Omit<Endpoint, "input"> & { input: OptionalHeader<EitherBody<Input>> } : Endpoint;
type ClientSchema<Schema> = { [Path in keyof Schema]: { [Method in keyof Schema[Path]]: ClientEndpoint<Schema[Path][Method]> } };
/** A router with its inputs corrected as described above; its environment, paths and outputs unchanged. */
type ClientRouter<Router> =
  Router extends Hono<infer Env, infer Schema, infer BasePath> ? (ClientSchema<Schema> extends infer Corrected extends HonoSchema ? Hono<Env, Corrected, BasePath> : never) : never;

/**
 * Every JSON route of the API, for `hc<AppType>`.
 * @example
 *   import { hc } from "hono/client";
 *   import type { AppType } from "./src/index";
 *   const api = hc<AppType>("http://localhost:8787", { headers: { "X-API-Key": key } });
 *   const res = await api.v1.verifications[":id"].$get({ param: { id } });
 *   if (res.status === 200) console.log((await res.json()).status);
 */
export type AppType = ClientRouter<
  | typeof healthRouter
  | typeof wellKnownRouter
  | typeof authRouter
  | typeof meRouter
  | typeof usersRouter
  | typeof apiKeysRouter
  | typeof auditRouter
  | typeof verificationsRouter
  | typeof verificationSessionsRouter
  | typeof reviewRouter
  | typeof settingsRouter
  | typeof facesRouter
  | typeof registryRouter
  | typeof webhooksRouter
  | typeof statsRouter
>;
