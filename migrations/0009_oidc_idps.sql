-- OpenID Connect IdPs (issue 12): an IdP speaks SAML (every existing one) or OIDC. An OIDC IdP keeps
-- its issuer, client, sealed client secret, scopes, token endpoint authentication, claim names and
-- the endpoints discovery found; its entity_id is the gateway's own name for it (unique, unused).
ALTER TABLE `idps` ADD `protocol` text DEFAULT 'saml' NOT NULL;--> statement-breakpoint
ALTER TABLE `idps` ADD `issuer` text;--> statement-breakpoint
ALTER TABLE `idps` ADD `client_id` text;--> statement-breakpoint
ALTER TABLE `idps` ADD `client_secret_sealed` text;--> statement-breakpoint
ALTER TABLE `idps` ADD `scopes` text DEFAULT 'openid email profile' NOT NULL;--> statement-breakpoint
ALTER TABLE `idps` ADD `token_endpoint_auth` text DEFAULT 'client_secret_basic' NOT NULL;--> statement-breakpoint
ALTER TABLE `idps` ADD `claims_map` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `idps` ADD `oidc_endpoints` text;