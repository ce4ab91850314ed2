CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`idp_id` text,
	`subject` text,
	`outcome` text NOT NULL,
	`code` text,
	`ip` text,
	`user_agent` text,
	`request_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_idp_at` ON `audit_log` (`idp_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_action_at` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE TABLE `consumed_assertions` (
	`issuer` text NOT NULL,
	`assertion_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer NOT NULL,
	PRIMARY KEY(`issuer`, `assertion_id`)
);
--> statement-breakpoint
CREATE INDEX `consumed_assertions_expires` ON `consumed_assertions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `idps` (
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
	`want_assertions_signed` integer DEFAULT true NOT NULL,
	`allow_idp_initiated` integer DEFAULT false NOT NULL,
	`allow_sha1` integer DEFAULT false NOT NULL,
	`clock_skew_seconds` integer DEFAULT 180 NOT NULL,
	`name_id_format` text,
	`logo_url` text,
	`sort_order` integer DEFAULT 0 NOT NULL,
	`metadata_url` text,
	`metadata_refreshed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idps_slug_unique` ON `idps` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `idps_entity_id_unique` ON `idps` (`entity_id`);--> statement-breakpoint
CREATE TABLE `jwt_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`public_jwk` text NOT NULL,
	`private_key_sealed` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sp_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`use` text NOT NULL,
	`algorithm` text NOT NULL,
	`certificate_pem` text NOT NULL,
	`private_key_sealed` text NOT NULL,
	`status` text NOT NULL,
	`not_after` integer NOT NULL,
	`activated_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sp_keys_use_status` ON `sp_keys` (`use`,`status`);