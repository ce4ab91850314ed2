-- The tenant status's version (store/tenant-status.ts): one row, bumped by every store write to
-- idps, organizations and session_revocations, from either Worker. A gateway isolate whose cached
-- status refuses something reads this row to learn whether anything changed, instead of reloading
-- the whole status.
CREATE TABLE `tenant_version` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);--> statement-breakpoint
INSERT INTO `tenant_version` (`id`, `version`) VALUES (1, 0);
