-- An IdP may name the certificate its metadata is signed with (obtained out of band): a refresh
-- from its metadata URL then refuses metadata without a root signature that certificate verifies.
ALTER TABLE `idps` ADD `metadata_signing_certificate` text;
