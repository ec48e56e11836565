-- Large files go up in parts (S3 multipart): the store's id of the unfinished upload and the part size.
-- Both stay null for a single PUT; multipart_id is cleared once the parts are joined into the object.
ALTER TABLE "uploads" ADD COLUMN "multipart_id" TEXT;
ALTER TABLE "uploads" ADD COLUMN "part_bytes" INTEGER;
