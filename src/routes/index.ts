/**
 * The whole HTTP API: every domain router mounted on the app, plus the OpenAPI document and the docs page.
 */
import { createApp } from "../app/create-app";
import { finishDocument, recordAcceptedMediaTypes } from "../lib/openapi";
import { APP_VERSION } from "../version";
import { docsRouter } from "./docs/docs.index";
import { healthRouter } from "./health/health.index";
import { apiKeysRouter } from "./api-keys/api-keys.index";
import { auditRouter } from "./audit/audit.index";
import { authRouter } from "./auth/auth.index";
import { meRouter } from "./me/me.index";
import { usersRouter } from "./users/users.index";
import { wellKnownRouter } from "./well-known/well-known.index";
import { verificationsRouter } from "./verifications/verifications.index";
import { verificationSessionsRouter } from "./verification-sessions/verification-sessions.index";
import { reviewRouter } from "./review/review.index";
import { settingsRouter } from "./settings/settings.index";
import { facesRouter } from "./faces/faces.index";
import { registryRouter } from "./registry/registry.index";
import { webhooksRouter } from "./webhooks/webhooks.index";
import { statsRouter } from "./stats/stats.index";
import { buildConsole } from "../console/console-app";
import { buildCapture } from "../capture/capture-app";

export function buildApi() {
  const app = createApp();
  app.route("/", healthRouter);
  app.route("/", wellKnownRouter);
  app.route("/", authRouter);
  app.route("/", meRouter);
  app.route("/", usersRouter);
  app.route("/", apiKeysRouter);
  app.route("/", auditRouter);
  app.route("/", verificationsRouter);
  app.route("/", verificationSessionsRouter);
  app.route("/", reviewRouter);
  app.route("/", settingsRouter);
  app.route("/", facesRouter);
  app.route("/", registryRouter);
  app.route("/", webhooksRouter);
  app.route("/", statsRouter);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  recordAcceptedMediaTypes(app.openAPIRegistry.definitions as Parameters<typeof recordAcceptedMediaTypes>[0]);
  // Generated once per isolate, then served from memory.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= finishDocument(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "edge-kyc",
          version: APP_VERSION,
          description: "Identity verification at the edge: an identity document and a selfie in; a decision with evidence out.",
        },
        servers: [{ url: "/" }],
      }),
    );
    return c.json(document);
  });
  app.route("/", docsRouter);
  // The reviewer console: server-rendered pages over the domain functions (src/console/).
  app.route("/console", buildConsole());
  // The hosted capture page of verification sessions (src/capture/).
  app.route("/capture", buildCapture());
  return app;
}
