-- Drafts (issue 14): an IdP is enabled only once a test sign-in has passed. IdPs already enabled
-- on an existing gateway have been signing customers in: they count as tested from now on.
ALTER TABLE `idps` ADD `tested_at` integer;--> statement-breakpoint
UPDATE `idps` SET `tested_at` = `updated_at` WHERE `enabled` = 1;
