-- The overview's aggregates read only the index (issue 14 review): (action, at) now also covers
-- outcome, idp_id and code. Same name, same leading columns: every query that used it still does.
DROP INDEX `audit_log_action_at`;--> statement-breakpoint
CREATE INDEX `audit_log_action_at` ON `audit_log` (`action`,`at`,`outcome`,`idp_id`,`code`);