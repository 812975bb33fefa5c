/**
 * The one place that builds services from bindings. Routes, queue consumers and cron jobs receive a
 * `Services` object; none of them reads `env` directly. Building is cheap (no I/O), so it happens per request
 * or per batch; expensive state (keys, model sessions) is cached per isolate inside the services themselves.
 */
import type { MiddlewareHandler } from "hono";
import { createDb } from "../db/client";
import type { Db } from "../db/client";
import type { Bindings, Config } from "../env";
import { loadConfig } from "../env";
import { createTenantCrypto } from "../lib/crypto";
import type { TenantCrypto } from "../lib/crypto";
import type { AppEnv } from "../types";
import { createAuditLog } from "./audit";
import type { AuditLog } from "./audit";
import { createTokenService } from "./tokens";
import type { TokenService } from "./tokens";

export interface Services {
  config: Config;
  db: Db;
  now: () => number;
  crypto: TenantCrypto;
  tokens: TokenService;
  audit: AuditLog;
  bindings: Pick<Bindings, "DB" | "MEDIA" | "MODELS" | "VERIFICATION_JOBS" | "WEBHOOK_DELIVERIES" | "RATE_LIMITER" | "VERIFICATION_EVENTS" | "AUDIT_CHAIN" | "AI" | "IMAGES">;
}

export function createServices(env: Bindings, now: () => number = Date.now): Services {
  const config = loadConfig(env);
  const db = createDb(env.DB);
  return {
    config,
    db,
    now,
    crypto: createTenantCrypto(config.DATA_ENCRYPTION_KEY),
    tokens: createTokenService(config),
    audit: createAuditLog(db, env.AUDIT_CHAIN, now),
    bindings: env,
  };
}

export const servicesMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("services", createServices(c.env));
  await next();
};
