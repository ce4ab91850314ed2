-- Slugs are never reused: a deleted IdP's or organization's slug is kept in retired_slugs (the
-- portal and the helpdesks keep subjects `<idp slug>:<NameID>` and X-SSO-Org values). Revocation
-- that needs no per-session write: sessions of an IdP or organization started at or before
-- sessions_revoked_at are ended (checked with the cached tenant status on the portal path).
CREATE TABLE `retired_slugs` (
	`kind` text NOT NULL,
	`slug` text NOT NULL,
	`retired_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `slug`)
);
--> statement-breakpoint
ALTER TABLE `idps` ADD `sessions_revoked_at` integer;--> statement-breakpoint
ALTER TABLE `organizations` ADD `sessions_revoked_at` integer;