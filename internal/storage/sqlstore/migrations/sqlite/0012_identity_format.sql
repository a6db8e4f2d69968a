-- 0012_identity_format: the format of each person's sealed identity. Rows
-- written before hold the chip's whole identity group (format 1) until the
-- platform rewrites them with only the fields it keeps (format 2, see
-- docs/retention.md); rows without a sealed identity have none (0).
ALTER TABLE persons ADD COLUMN identity_format INTEGER NOT NULL DEFAULT 1;
UPDATE persons SET identity_format = 0 WHERE identity IS NULL OR length(identity) = 0;
CREATE INDEX persons_identity_format ON persons (identity_format, id);
