-- One signing key per role (issue 11): SP requests keep `signing`; the broker's assertions, signed
-- metadata and Freshworks tokens get roles of their own. On an existing gateway each new role
-- starts with a copy of the current signing key (same certificate), so helpdesks and IdPs that
-- trust it keep working; each role then rolls over alone. A new gateway makes a key per role.
INSERT INTO `sp_keys` (`id`, `use`, `algorithm`, `certificate_pem`, `private_key_sealed`, `status`, `not_after`, `activated_at`, `retired_at`, `created_at`)
SELECT 'spk_' || r.prefix || substr(k.`id`, 6), r.role, k.`algorithm`, k.`certificate_pem`, k.`private_key_sealed`, k.`status`, k.`not_after`, k.`activated_at`, NULL, k.`created_at`
FROM `sp_keys` k, (SELECT 'broker' AS role, 'b' AS prefix UNION ALL SELECT 'metadata', 'm' UNION ALL SELECT 'freshworks', 'f') r
WHERE k.`use` = 'signing' AND k.`status` IN ('active', 'next');
