/**
 * The Worker's bindings (typed once: `npm run cf-typegen` writes worker-configuration.d.ts from wrangler.toml)
 * and its configuration, parsed with zod at the entry so a missing or malformed secret fails loudly.
 */
import { z } from "zod";
import { FAULT_ENVIRONMENTS, faultsField } from "./faults/plan";

/** Secrets are not in wrangler.toml; locally they come from the generated .dev.vars (scripts/dev-secrets.mjs). */
export interface Secrets {
  JWT_PRIVATE_KEY: string;
  DATA_ENCRYPTION_KEY: string;
}

/** `FAULTS` is not in wrangler.toml: it is set only for a development run (`--var FAULTS:…`, the faults bench). */
export type Bindings = CloudflareBindings & Secrets & { FAULTS?: string };

const jwkSchema = z
  .object({ kty: z.literal("EC"), crv: z.literal("P-256"), d: z.string(), x: z.string(), y: z.string(), kid: z.string().min(1) })
  .passthrough();

const configSchema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "staging", "production"]),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  CORS_ORIGINS: z.string().default("*"),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  STUCK_AFTER_SECONDS: z.coerce.number().int().positive().default(300),
  // wrangler hands a JSON-looking .dev.vars value over already parsed; a deployed secret arrives as a string.
  JWT_PRIVATE_KEY: z
    .union([z.string(), z.record(z.string(), z.unknown())], { error: "JWT_PRIVATE_KEY secret is missing" })
    .transform((s, ctx) => {
      try {
        return jwkSchema.parse(typeof s === "string" ? JSON.parse(s) : s);
      } catch {
        ctx.addIssue({ code: "custom", message: "JWT_PRIVATE_KEY must be an ES256 private JWK with a kid" });
        return z.NEVER;
      }
    }),
  DATA_ENCRYPTION_KEY: z
    .string({ error: "DATA_ENCRYPTION_KEY secret is missing" })
    .refine((s) => {
      try {
        return atob(s).length === 32;
      } catch {
        return false;
      }
    }, "DATA_ENCRYPTION_KEY must be 32 bytes, base64"),
  // Development-only fault injection (src/faults): e.g. "pipeline=0.3,r2_read=0.3,d1_write=0.3,outbox=0.3,seed=7".
  FAULTS: faultsField,
}).superRefine((c, ctx) => {
  // Staging is refused too: it mirrors production, and its numbers must not be bent by failures someone forgot to turn off.
  if (c.FAULTS && !(FAULT_ENVIRONMENTS as readonly string[]).includes(c.ENVIRONMENT)) {
    ctx.addIssue({ code: "custom", path: ["FAULTS"], message: `fault injection is for ${FAULT_ENVIRONMENTS.join(" and ")} only; refused in ${c.ENVIRONMENT}` });
  }
});

export type Config = z.infer<typeof configSchema> & { corsOrigins: string[] | "*" };

const cache = new WeakMap<object, Config>();

/** Parses (once per env object) and returns the configuration; throws with every problem listed. */
export function loadConfig(env: Bindings): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const origins = parsed.data.CORS_ORIGINS.trim();
  const config: Config = {
    ...parsed.data,
    corsOrigins: origins === "*" ? "*" : origins.split(",").map((o) => o.trim()).filter(Boolean),
  };
  cache.set(env, config);
  return config;
}
