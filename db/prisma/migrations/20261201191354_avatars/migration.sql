-- Avatars (issues 16 and 17): the object key of a user's picture, and of the one upload granted for the
-- next picture. One pending key a user (a new grant replaces it and its object), so a user's avatar
-- objects are at most two, found from this row alone when replaced or when the account is deleted.
ALTER TABLE "users" ADD COLUMN "avatar_key" TEXT;
ALTER TABLE "users" ADD COLUMN "avatar_pending_key" TEXT;
