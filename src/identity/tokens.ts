/**
 * Signing with the service's ES256 key (the JWT_PRIVATE_KEY secret): access tokens (15 minutes) and signed
 * receipts (compact JWS). The public half is published at /.well-known/jwks.json, so anyone can verify both.
 * Verification pins the algorithm, issuer and audience; `alg: none` and foreign keys fail.
 */
import { CompactSign, SignJWT, exportJWK, importJWK, jwtVerify, compactVerify } from "jose";
import type { JWK, JWTPayload } from "jose";
import type { Config } from "../env";
import { utf8 } from "../lib/encoding";
import type { Role } from "../types";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ALG = "ES256";

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
}

export interface TokenService {
  kid: string;
  jwks(): Promise<{ keys: JWK[] }>;
  signAccessToken(claims: AccessClaims, nowMs: number): Promise<string>;
  /** Returns the claims, or null for any invalid token (the reason is logged by the caller, not sent). */
  verifyAccessToken(token: string, nowMs: number): Promise<{ ok: true; claims: AccessClaims } | { ok: false; reason: string }>;
  /** A compact JWS over a JSON payload (receipts); header carries `kid` and `typ`. */
  signJws(payload: Record<string, unknown>, typ: string): Promise<string>;
  verifyJws(jws: string): Promise<Record<string, unknown>>;
}

const cache = new Map<string, Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK }>>();

function keys(config: Config) {
  const jwk = config.JWT_PRIVATE_KEY;
  let entry = cache.get(jwk.kid + jwk.x);
  if (!entry) {
    entry = (async () => {
      // Drop the private part and its `key_ops: ["sign"]`, which a public key cannot be imported with.
      const { d: _d, key_ops: _ops, ext: _ext, ...pub } = jwk;
      const privateKey = (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey;
      const publicKey = (await importJWK({ ...pub, alg: ALG }, ALG)) as CryptoKey;
      const exported = await exportJWK(publicKey);
      return { privateKey, publicKey, publicJwk: { ...exported, kid: jwk.kid, alg: ALG, use: "sig" } };
    })();
    cache.set(jwk.kid + jwk.x, entry);
  }
  return entry;
}

export function createTokenService(config: Config): TokenService {
  const kid = config.JWT_PRIVATE_KEY.kid;
  return {
    kid,
    async jwks() {
      return { keys: [(await keys(config)).publicJwk] };
    },
    async signAccessToken(claims, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      return new SignJWT({ tid: claims.tid, role: claims.role } satisfies Omit<AccessClaims, "sub">)
        .setProtectedHeader({ alg: ALG, kid, typ: "JWT" })
        .setSubject(claims.sub)
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
        .setJti(crypto.randomUUID())
        .sign((await keys(config)).privateKey);
    },
    async verifyAccessToken(token, nowMs) {
      try {
        const { payload, protectedHeader } = await jwtVerify<JWTPayload & { tid?: unknown; role?: unknown }>(token, (await keys(config)).publicKey, {
          algorithms: [ALG],
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          currentDate: new Date(nowMs),
          requiredClaims: ["sub", "exp", "iat"],
        });
        if (protectedHeader.kid !== kid) return { ok: false, reason: "unknown kid" };
        if (typeof payload.sub !== "string" || typeof payload.tid !== "string" || typeof payload.role !== "string") {
          return { ok: false, reason: "missing claims" };
        }
        return { ok: true, claims: { sub: payload.sub, tid: payload.tid, role: payload.role as Role } };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? `${err.name}: ${err.message}` : "invalid token" };
      }
    },
    async signJws(payload, typ) {
      return new CompactSign(utf8.encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: ALG, kid, typ })
        .sign((await keys(config)).privateKey);
    },
    async verifyJws(jws) {
      const { payload } = await compactVerify(jws, (await keys(config)).publicKey, { algorithms: [ALG] });
      return JSON.parse(new TextDecoder().decode(payload));
    },
  };
}
