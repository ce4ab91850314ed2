-- wantAssertionsSigned is now enforced (it never was): existing IdPs keep today's behaviour (off),
-- new ones default to off. clockSkewSeconds may be null = the gateway default (settings); rows
-- that held the old default 180 now follow the setting. No foreign keys point at idps.
CREATE TABLE `__new_idps` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`entity_id` text NOT NULL,
	`sso_url` text NOT NULL,
	`sso_binding` text DEFAULT 'redirect' NOT NULL,
	`slo_url` text,
	`slo_binding` text,
	`certificates` text DEFAULT '[]' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`show_on_selection` integer DEFAULT true NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`email_domains` text DEFAULT '[]' NOT NULL,
	`attribute_map` text DEFAULT '{}' NOT NULL,
	`allowed_groups` text DEFAULT '[]' NOT NULL,
	`sign_authn_requests` integer DEFAULT false NOT NULL,
	`want_assertions_signed` integer DEFAULT false NOT NULL,
	`allow_idp_initiated` integer DEFAULT false NOT NULL,
	`allow_sha1` integer DEFAULT false NOT NULL,
	`clock_skew_seconds` integer,
	`name_id_format` text,
	`logo_url` text,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`metadata_url` text,
	`metadata_refreshed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_idps`("id", "name", "slug", "entity_id", "sso_url", "sso_binding", "slo_url", "slo_binding", "certificates", "enabled", "show_on_selection", "is_default", "email_domains", "attribute_map", "allowed_groups", "sign_authn_requests", "want_assertions_signed", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "name_id_format", "logo_url", "sort_order", "metadata_url", "metadata_refreshed_at", "created_at", "updated_at") SELECT "id", "name", "slug", "entity_id", "sso_url", "sso_binding", "slo_url", "slo_binding", "certificates", "enabled", "show_on_selection", "is_default", "email_domains", "attribute_map", "allowed_groups", "sign_authn_requests", "want_assertions_signed", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "name_id_format", "logo_url", "sort_order", "metadata_url", "metadata_refreshed_at", "created_at", "updated_at" FROM `idps`;--> statement-breakpoint
DROP TABLE `idps`;--> statement-breakpoint
ALTER TABLE `__new_idps` RENAME TO `idps`;--> statement-breakpoint
CREATE UNIQUE INDEX `idps_slug_unique` ON `idps` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `idps_entity_id_unique` ON `idps` (`entity_id`);--> statement-breakpoint
UPDATE `idps` SET `want_assertions_signed` = 0;--> statement-breakpoint
UPDATE `idps` SET `clock_skew_seconds` = NULL WHERE `clock_skew_seconds` = 180;
