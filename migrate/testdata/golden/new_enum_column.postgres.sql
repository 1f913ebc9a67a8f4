-- up
CREATE TYPE "ag_ne_mood" AS ENUM ('a', 'b');
ALTER TABLE "ag_ne" ADD COLUMN "mood" "ag_ne_mood";
-- down
ALTER TABLE "ag_ne" DROP COLUMN "mood";
DROP TYPE IF EXISTS "ag_ne_mood";
