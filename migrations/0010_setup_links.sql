-- Self-serve setup links (issue 13): a customer's IT connects its own IdP to one organization. Only
-- the SHA-256 of each link's token is stored; the row records how far the setup has got.
CREATE TABLE `setup_links` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`requires_approval` integer DEFAULT false NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`opened_at` integer,
	`idp_id` text,
	`idp_configured_at` integer,
	`test_request_id` text,
	`test_passed_at` integer,
	`submitted_at` integer,
	`completed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `setup_links_token_hash_unique` ON `setup_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `setup_links_organization` ON `setup_links` (`organization_id`);