-- Issue 13, review: internal notes (encrypted), the resubmission reason code on reviews, claims on verifications
-- (nullable columns, so existing rows need no default), and the indexes GET /v1/stats reads by.
CREATE TABLE `review_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`verification_id` text NOT NULL,
	`author_id` text NOT NULL,
	`review_id` text,
	`text_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`verification_id`) REFERENCES `verifications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `review_notes_verification_idx` ON `review_notes` (`verification_id`,`id`);--> statement-breakpoint
ALTER TABLE `reviews` ADD `reason_code` text;--> statement-breakpoint
CREATE INDEX `reviews_tenant_created_idx` ON `reviews` (`tenant_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `verifications` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `verifications` ADD `claimed_until` integer;--> statement-breakpoint
CREATE INDEX `verifications_tenant_completed_idx` ON `verifications` (`tenant_id`,`completed_at`);