/** INTERIM: AuditChain (the per-tenant sealing Durable Object) is being rebuilt; see src/services/audit.ts. */
import { DurableObject } from "cloudflare:workers";

export class AuditChain extends DurableObject<Cloudflare.Env> {}
