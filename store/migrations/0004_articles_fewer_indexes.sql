-- Every index on articles is written on every ingest. Two are not needed:
-- articles_page_order (0002: edition_date DESC, source, position) serves
-- the edition lookups articles_by_edition was for, in the same order, and
-- no query selects or orders articles by updated_at.
DROP INDEX articles_by_edition;
DROP INDEX articles_by_updated;
