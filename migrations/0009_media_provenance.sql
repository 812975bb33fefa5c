ALTER TABLE `media` ADD `source` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `media` ADD `client_country` text;--> statement-breakpoint
ALTER TABLE `media` ADD `client_asn` integer;