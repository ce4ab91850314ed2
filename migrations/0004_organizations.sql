-- Tenants (DESIGN.md): every IdP belongs to an organization. Each existing IdP becomes its own
-- organization (same name and slug; id org_<suffix of idp_<suffix>>, or org_<IdP id> where that
-- would not be unique), and the email domains it listed become that organization's domains,
-- verified by migration: an admin had configured them for that IdP. Each such domain is written
-- to the audit log as confirmed by the migration. A domain several IdPs listed stays with the one
-- email discovery routed it to before: enabled first, then by sort_order and name.
-- idps is rebuilt to add organization_id NOT NULL (no foreign keys point at it).
CREATE TABLE `organization_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`token` text NOT NULL,
	`verification_method` text,
	`verified_at` integer,
	`last_checked_at` integer,
	`last_check_error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `organization_domains_org` ON `organization_domains` (`organization_id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`helpdesk_organization` text,
	`trust_any_email` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`group_mappings` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug_unique` ON `organizations` (`slug`);--> statement-breakpoint
CREATE TABLE `session_index` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`idp_id` text NOT NULL,
	`subject` text NOT NULL,
	`name_id_hash` text NOT NULL,
	`session_index` text,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `session_index_org` ON `session_index` (`organization_id`);--> statement-breakpoint
CREATE INDEX `session_index_idp_name` ON `session_index` (`idp_id`,`name_id_hash`);--> statement-breakpoint
CREATE INDEX `session_index_subject` ON `session_index` (`subject`);--> statement-breakpoint
CREATE INDEX `session_index_expires` ON `session_index` (`expires_at`);--> statement-breakpoint
INSERT INTO `organizations` (`id`, `name`, `slug`, `created_at`, `updated_at`)
SELECT CASE WHEN `id` GLOB 'idp_*' AND NOT EXISTS (SELECT 1 FROM `idps` AS `o` WHERE `o`.`id` = substr(`idps`.`id`, 5)) THEN 'org_' || substr(`id`, 5) ELSE 'org_' || `id` END, `name`, `slug`, `created_at`, `updated_at` FROM `idps`;--> statement-breakpoint
CREATE TABLE `__new_idps` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
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
INSERT INTO `__new_idps`("id", "name", "slug", "entity_id", "sso_url", "sso_binding", "slo_url", "slo_binding", "certificates", "enabled", "show_on_selection", "is_default", "email_domains", "attribute_map", "allowed_groups", "sign_authn_requests", "want_assertions_signed", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "name_id_format", "logo_url", "sort_order", "metadata_url", "metadata_refreshed_at", "created_at", "updated_at", "organization_id") SELECT "id", "name", "slug", "entity_id", "sso_url", "sso_binding", "slo_url", "slo_binding", "certificates", "enabled", "show_on_selection", "is_default", "email_domains", "attribute_map", "allowed_groups", "sign_authn_requests", "want_assertions_signed", "allow_idp_initiated", "allow_sha1", "clock_skew_seconds", "name_id_format", "logo_url", "sort_order", "metadata_url", "metadata_refreshed_at", "created_at", "updated_at", CASE WHEN `id` GLOB 'idp_*' AND NOT EXISTS (SELECT 1 FROM `idps` AS `o` WHERE `o`.`id` = substr(`idps`.`id`, 5)) THEN 'org_' || substr(`id`, 5) ELSE 'org_' || `id` END FROM `idps`;--> statement-breakpoint
DROP TABLE `idps`;--> statement-breakpoint
ALTER TABLE `__new_idps` RENAME TO `idps`;--> statement-breakpoint
CREATE UNIQUE INDEX `idps_slug_unique` ON `idps` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `idps_entity_id_unique` ON `idps` (`entity_id`);--> statement-breakpoint
INSERT OR IGNORE INTO `organization_domains` (`domain`, `organization_id`, `status`, `token`, `verification_method`, `verified_at`)
SELECT lower(`j`.`value`), `i`.`organization_id`, 'verified', lower(hex(randomblob(16))), 'migrated', unixepoch('subsec') * 1000
FROM `idps` AS `i`, json_each(`i`.`email_domains`) AS `j`
ORDER BY `i`.`enabled` DESC, `i`.`sort_order`, `i`.`name`, `i`.`id`;--> statement-breakpoint
INSERT INTO `audit_log` (`at`, `actor`, `action`, `outcome`, `detail`)
SELECT unixepoch('subsec') * 1000, 'migration', 'domain.confirm', 'success', json_object('organizationId', `organization_id`, 'domain', `domain`, 'method', 'migrated')
FROM `organization_domains`;
