-- Photos' pictures. A photo item's article names its picture by id
-- (articles.image, '' for none); the id is part of the article's content
-- hash, so a picture added, changed or removed updates the article, and
-- the change_log triggers (0001 here) carry it to the feeds like any
-- correction.
ALTER TABLE articles ADD COLUMN image TEXT NOT NULL DEFAULT '';

-- images: one row per supplied file (id: SHA-256 of its bytes, 32 hex
-- digits), with its renditions as JSON ([{name, type, width, height,
-- size}], narrowest first), so loading articles needs no second table.
CREATE TABLE images (
    id          TEXT PRIMARY KEY,
    renditions  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- image_files: the renditions' bytes, content-addressed (name: SHA-256 of
-- the bytes, 32 hex digits, and the extension), so the same picture in
-- two editions is stored once and a URL names the same bytes forever.
CREATE TABLE image_files (
    name        TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    data        BYTEA NOT NULL,
    created_at  TEXT NOT NULL
);
