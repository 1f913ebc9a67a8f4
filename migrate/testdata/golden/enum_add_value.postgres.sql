-- up
ALTER TYPE "ag_mood" ADD VALUE 'ok' AFTER 'sad';
ALTER TYPE "ag_mood" ADD VALUE 'glad' AFTER 'happy';
-- down
ALTER TYPE "ag_mood" RENAME TO "ag_mood_ag_old";
CREATE TYPE "ag_mood" AS ENUM ('sad', 'happy');
ALTER TABLE "ag_en" ALTER COLUMN "mood" TYPE "ag_mood" USING "mood"::text::"ag_mood";
DROP TYPE "ag_mood_ag_old";
