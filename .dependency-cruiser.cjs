/**
 * The layer rules, as data, checked in CI (`npm run lint:deps`):
 *   routes → domain (src/verifications, src/identity, src/settings, src/audit, src/registry, src/webhooks) → ports ← adapters
 * and the pure core (src/pipeline, src/face, src/imaging) knows nothing of the platform.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "Import cycles make the layers meaningless (type-only imports count too).",
      from: {},
      to: { circular: true },
    },
    {
      name: "routes-are-http-only",
      severity: "error",
      comment: "Routes parse HTTP and call the domain; queries live in domain modules.",
      from: { path: "^src/routes/" },
      to: { path: ["^node_modules/drizzle-orm", "^src/db/"] },
    },
    {
      name: "pure-core-has-no-platform",
      severity: "error",
      comment: "The pipeline, the face engine and image code are pure TypeScript over bytes: no bindings, adapters, hono or drizzle.",
      from: { path: "^src/(pipeline|face|imaging)/", pathNot: "^src/face/ort-web-runtime\\.ts$" },
      to: { path: ["^src/adapters/", "^src/app/", "^src/db/", "^src/routes/", "^durable-objects/", "^queues/", "^node_modules/(hono|drizzle-orm|@hono)", "^cloudflare:"] },
    },
    {
      name: "face-engine-below-pipeline",
      severity: "error",
      comment: "The face engine is a library the pipeline uses; it never imports the pipeline.",
      from: { path: "^src/face/" },
      to: { path: "^src/pipeline/" },
    },
    {
      name: "domain-knows-no-http",
      severity: "error",
      comment: "Domain modules know nothing of Hono; the console and the API both call them.",
      from: { path: "^src/(verifications|identity|settings|audit|registry|webhooks)/" },
      to: { path: ["^node_modules/(hono|@hono)", "^src/routes/", "^src/middleware/"] },
    },
    {
      name: "ports-are-interfaces",
      severity: "error",
      comment: "src/ports.ts declares interfaces; it depends on no adapter.",
      from: { path: "^src/ports\\.ts$" },
      to: { path: ["^src/adapters/", "^durable-objects/", "^src/db/"] },
    },
    {
      name: "only-the-factory-builds-adapters",
      severity: "error",
      comment: "Workers adapters are built in src/app/services.ts only (in-memory twins may be used by tests).",
      from: { path: "^src/", pathNot: ["^src/app/services\\.ts$", "^src/adapters/"] },
      to: { path: "^src/adapters/(?!memory/)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["worker-configuration\\.d\\.ts"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types", "workerd"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
