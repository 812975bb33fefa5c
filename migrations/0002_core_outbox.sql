-- Core: transactional outbox, evidence artifacts, guarded transitions (verifications.transition_id), keyed and
-- expiring idempotency records (existing records expire at once), erasable review notes, a mode index. The
-- creating request's IP was stored in clear (request_ip); it is dropped, and new verifications keep it encrypted.
CREATE TABLE `artifacts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`verification_id` text NOT NULL,
	`layer` text NOT NULL,
	`name` text NOT NULL,
	`r2_key` text NOT NULL,
	`content_type` text NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	`purged_at` integer,
	FOREIGN KEY (`verification_id`) REFERENCES `verifications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_name_unique` ON `artifacts` (`verification_id`,`name`);--> statement-breakpoint
CREATE INDEX `artifacts_tenant_created_idx` ON `artifacts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mode` text NOT NULL,
	`type` text NOT NULL,
	`verification_id` text,
	`seq` integer,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`published_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_unpublished_idx` ON `outbox` (`published_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `outbox_tenant_idx` ON `outbox` (`tenant_id`,`id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`verification_id` text NOT NULL,
	`reviewer_id` text NOT NULL,
	`decision` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`verification_id`) REFERENCES `verifications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_reviews`("id", "tenant_id", "verification_id", "reviewer_id", "decision", "reason", "created_at") SELECT "id", "tenant_id", "verification_id", "reviewer_id", "decision", "reason", "created_at" FROM `reviews`;--> statement-breakpoint
DROP TABLE `reviews`;--> statement-breakpoint
ALTER TABLE `__new_reviews` RENAME TO `reviews`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `resource_id` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `expires_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `verifications` ADD `request_ip_enc` text;--> statement-breakpoint
ALTER TABLE `verifications` ADD `transition_id` text;--> statement-breakpoint
CREATE INDEX `verifications_tenant_mode_idx` ON `verifications` (`tenant_id`,`mode`,`id`);--> statement-breakpoint
ALTER TABLE `verifications` DROP COLUMN `request_ip`;