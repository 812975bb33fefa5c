-- The placeholder registry_documents table of 0000_init was never written to; it is rebuilt with its real columns
-- (SQLite cannot ADD a NOT NULL column without a default, so drizzle-kit's column-by-column ALTERs would fail).
DROP TABLE `registry_documents`;--> statement-breakpoint
CREATE TABLE `registry_documents` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mode` text NOT NULL,
	`document_number_hash` text NOT NULL,
	`document_type` text NOT NULL,
	`issuing_country` text NOT NULL,
	`holder_enc` text NOT NULL,
	`issue_date` text,
	`expiry_date` text,
	`status` text NOT NULL,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registry_documents_document_unique` ON `registry_documents` (`tenant_id`,`mode`,`document_number_hash`,`document_type`,`issuing_country`);--> statement-breakpoint
CREATE INDEX `registry_documents_tenant_mode_idx` ON `registry_documents` (`tenant_id`,`mode`,`id`);
