-- up
COMMENT ON COLUMN "ag_cm"."note" IS 'what it''s for';
COMMENT ON TABLE "ag_cm" IS 'commented table';
-- down
COMMENT ON TABLE "ag_cm" IS NULL;
COMMENT ON COLUMN "ag_cm"."note" IS NULL;
