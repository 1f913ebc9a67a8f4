-- up
ALTER TYPE "ag_ed_mood" RENAME TO "ag_ed_mood_ag_old";
CREATE TYPE "ag_ed_mood" AS ENUM ('sad', 'happy');
ALTER TABLE "ag_ed" ALTER COLUMN "mood" DROP DEFAULT;
ALTER TABLE "ag_ed" ALTER COLUMN "mood" TYPE "ag_ed_mood" USING "mood"::text::"ag_ed_mood";
ALTER TABLE "ag_ed" ALTER COLUMN "mood" SET DEFAULT 'sad';
DROP TYPE "ag_ed_mood_ag_old";
-- down
ALTER TYPE "ag_ed_mood" ADD VALUE 'ok' AFTER 'sad';
