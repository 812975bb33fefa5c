CREATE TABLE `verification_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mode` text NOT NULL,
	`verification_id` text NOT NULL,
	`client_secret_hash` text NOT NULL,
	`credential_hash` text,
	`status` text NOT NULL,
	`options` text NOT NULL,
	`expires_at` integer NOT NULL,
	`exchanged_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`verification_id`) REFERENCES `verifications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `verification_sessions_secret_unique` ON `verification_sessions` (`client_secret_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `verification_sessions_credential_unique` ON `verification_sessions` (`credential_hash`);--> statement-breakpoint
CREATE INDEX `verification_sessions_tenant_idx` ON `verification_sessions` (`tenant_id`,`mode`,`id`);--> statement-breakpoint
CREATE INDEX `verification_sessions_verification_idx` ON `verification_sessions` (`verification_id`);