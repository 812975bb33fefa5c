CREATE TABLE `tenant_settings_versions` (
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`settings` text NOT NULL,
	`saved_at` integer NOT NULL,
	`saved_by` text,
	PRIMARY KEY(`tenant_id`, `version`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- The versions saved before this table existed: only the current one per tenant is known.
INSERT INTO `tenant_settings_versions` (`tenant_id`, `version`, `settings`, `saved_at`, `saved_by`) SELECT `tenant_id`, `version`, `settings`, `updated_at`, `updated_by` FROM `tenant_settings`;
