-- Audit chain v2 (hand-edited after drizzle-kit generate): existing rows keep their content but lose `ip` and
-- `user_agent` (no personal data in the chain) and become pending (seq, prev_hash, hash NULL), so the tenant's
-- AuditChain Durable Object re-chains them once, in (created_at, id) order, on its next seal.
CREATE TABLE `audit_checkpoints` (
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`jws` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `audit_heads` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`jws` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`seq` integer,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`ip_hash` text,
	`metadata` text,
	`created_at` integer NOT NULL,
	`prev_hash` text,
	`hash` text
);
--> statement-breakpoint
INSERT INTO `__new_audit_events`("id", "tenant_id", "seq", "actor_type", "actor_id", "action", "target_type", "target_id", "ip_hash", "metadata", "created_at", "prev_hash", "hash") SELECT "id", "tenant_id", NULL, "actor_type", "actor_id", "action", "target_type", "target_id", NULL, "metadata", "created_at", NULL, NULL FROM `audit_events`;--> statement-breakpoint
DROP TABLE `audit_events`;--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_tenant_seq_unique` ON `audit_events` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_tenant_action_idx` ON `audit_events` (`tenant_id`,`action`);--> statement-breakpoint
CREATE INDEX `audit_events_pending_idx` ON `audit_events` (`tenant_id`,`created_at`,`id`) WHERE "audit_events"."seq" IS NULL;