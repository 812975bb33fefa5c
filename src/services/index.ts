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
import { createAuditLog } from "../adapters/audit/audit-log";
import type { AuditLog } from "../audit/types";
import { createTokenService } from "./tokens";
import type { TokenService } from "./tokens";

export interface Services {
  config: Config;
  db: Db;
  now: () => number;
  crypto: TenantCrypto;
  tokens: TokenService;
  audit: AuditLog;
  bindings: Pick<Bindings, "DB" | "MEDIA" | "MODELS" | "VERIFICATION_JOBS" | "WEBHOOK_DELIVERIES" | "RATE_LIMITER" | "VERIFICATION_EVENTS" | "AUDIT_CHAIN" | "AI">;
}

export function createServices(env: Bindings, now: () => number = Date.now): Services {
  const config = loadConfig(env);
  const db = createDb(env.DB);
  const crypto = createTenantCrypto(config.DATA_ENCRYPTION_KEY);
  const tokens = createTokenService(config);
  return {
    config,
    db,
    now,
    crypto,
    tokens,
    audit: createAuditLog({ db, d1: env.DB, chains: env.AUDIT_CHAIN, crypto, tokens, now }),
    bindings: env,
  };
}

export const servicesMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("services", createServices(c.env));
  await next();
};
