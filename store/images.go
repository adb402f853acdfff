package store

// Photos' pictures: the images and image_files tables (migration 0010).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/paperboy-news/paperboy/content"
)

// ImageFile is one stored rendition: its bytes and media type.
type ImageFile struct {
	Name string
	Type string
	Data []byte
	// Created is when the bytes were first stored: their Last-Modified.
	Created time.Time
}

// NewImage is a picture to store with an edition: the image an article
// names and its renditions' bytes, in content.Image.Renditions' order.
type NewImage struct {
	Image content.Image
	Data  [][]byte
}

var (
	imageIDRE   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	imageNameRE = regexp.MustCompile(`^[0-9a-f]{32}\.(jpg|png)$`)
)

// AttachImages adds pictures to an edition PrepareEdition encoded, to be
// written in the same transaction as its articles. Every image an article
// names must be attached here or stored before; one named by no article
// is not stored.
func (p *PreparedEdition) AttachImages(images []NewImage) error {
	for _, im := range images {
		if !imageIDRE.MatchString(im.Image.ID) {
			return fmt.Errorf("store: save edition %s: bad image id %q", p.ed.Source, im.Image.ID)
		}
		if len(im.Data) != len(im.Image.Renditions) || len(im.Data) == 0 {
			return fmt.Errorf("store: save edition %s: image %s: %d renditions, %d files", p.ed.Source, im.Image.ID, len(im.Image.Renditions), len(im.Data))
		}
		for _, r := range im.Image.Renditions {
			if !imageNameRE.MatchString(r.Name) {
				return fmt.Errorf("store: save edition %s: image %s: bad rendition name %q", p.ed.Source, im.Image.ID, r.Name)
			}
		}
	}
	p.images = append(p.images, images...)
	return nil
}

// saveImages writes the attached images that articles of the edition
// name and that are not stored yet.
func (s *Store) saveImages(ctx context.Context, tx *sql.Tx, p *PreparedEdition, now string) error {
	named := map[string]bool{}
	for _, a := range p.ed.Articles {
		if a.Image != nil {
			named[a.Image.ID] = true
		}
	}
	for _, im := range p.images {
		if !named[im.Image.ID] {
			continue
		}
		rj, err := json.Marshal(im.Image.Renditions)
		if err != nil {
			return fmt.Errorf("image %s: %w", im.Image.ID, err)
		}
		// A picture stored before keeps its renditions: its files'
		// names are in pages and feeds already.
		if _, err := s.exec(ctx, tx, `INSERT INTO images (id, renditions, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			im.Image.ID, string(rj), now); err != nil {
			return fmt.Errorf("save image %s: %w", im.Image.ID, err)
		}
		for i, r := range im.Image.Renditions {
			if _, err := s.exec(ctx, tx, `INSERT INTO image_files (name, type, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
				r.Name, r.Type, im.Data[i], now); err != nil {
				return fmt.Errorf("save image file %s: %w", r.Name, err)
			}
		}
	}
	return nil
}

// ImageFile returns a stored rendition by its name ("{hash}.jpg"); it
// wraps ErrNotFound when there is none.
func (s *Store) ImageFile(ctx context.Context, name string) (ImageFile, error) {
	f := ImageFile{Name: name}
	if !imageNameRE.MatchString(name) {
		return f, fmt.Errorf("store: image file %q: %w", name, ErrNotFound)
	}
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT type, data, created_at FROM image_files WHERE name = ?`, name).Scan(&f.Type, &f.Data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: image file %s: %w", name, ErrNotFound)
	}
	if err == nil {
		f.Created, err = parseTime(created)
	}
	if err != nil {
		return f, fmt.Errorf("store: image file %s: %w", name, err)
	}
	return f, nil
}

// Image returns a stored picture by its id (the supplied file's hash),
// so that ingest need not re-encode a file it stored before; it wraps
// ErrNotFound when there is none.
func (s *Store) Image(ctx context.Context, id string) (content.Image, error) {
	im := content.Image{ID: id}
	var rj string
	err := s.db.QueryRowContext(ctx, `SELECT renditions FROM images WHERE id = ?`, id).Scan(&rj)
	if errors.Is(err, sql.ErrNoRows) {
		return im, fmt.Errorf("store: image %s: %w", id, ErrNotFound)
	}
	if err == nil {
		err = json.Unmarshal([]byte(rj), &im.Renditions)
	}
	if err != nil {
		return im, fmt.Errorf("store: image %s: %w", id, err)
	}
	return im, nil
}

// loadImages fills in the renditions of the images the articles name
// (scanArticle leaves only their ids). An article naming an image that is
// not stored shows none.
func (s *Store) loadImages(ctx context.Context, as []content.Article) error {
	byID := map[string][]*content.Article{}
	for i := range as {
		if as[i].Image != nil {
			byID[as[i].Image.ID] = append(byID[as[i].Image.ID], &as[i])
		}
	}
	if len(byID) == 0 {
		return nil
	}
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	found := map[string]bool{}
	for start := 0; start < len(ids); start += topicBatch {
		batch := ids[start:min(start+topicBatch, len(ids))]
		rows, err := s.db.QueryContext(ctx, `SELECT id, renditions FROM images WHERE id IN (`+placeholders(len(batch))+`)`, batch...)
		if err != nil {
			return fmt.Errorf("load images: %w", err)
		}
		for rows.Next() {
			var id, rj string
			if err := rows.Scan(&id, &rj); err != nil {
				rows.Close()
				return fmt.Errorf("load images: %w", err)
			}
			var rs []content.Rendition
			if err := json.Unmarshal([]byte(rj), &rs); err != nil {
				rows.Close()
				return fmt.Errorf("load images: image %s: bad stored renditions: %w", id, err)
			}
			found[id] = true
			for _, a := range byID[id] {
				a.Image = &content.Image{ID: id, Renditions: rs}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("load images: %w", err)
		}
	}
	for id, arts := range byID {
		if !found[id] {
			for _, a := range arts {
				a.Image = nil
			}
		}
	}
	return nil
}
