-- Sessions ended while KV may still serve them at other locations (a logout, an IdP's SLO) and users
-- whose sessions were all revoked: read with the tenant status, so a revocation holds everywhere
-- within its 30 s cache window. Rows past `until` are ignored and pruned by the cron.
CREATE TABLE `session_revocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`not_before` integer NOT NULL,
	`until` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `session_revocations_until` ON `session_revocations` (`until`);
