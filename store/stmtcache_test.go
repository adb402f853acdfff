package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

func TestStmtCache(t *testing.T) {
	eachDriver(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t)
		var c stmtCache
		defer c.close()
		for i := range maxCachedStmts + 10 {
			err := s.withTx(ctx, func(tx *sql.Tx) error {
				for range 2 { // the second use comes from the cache
					st, err := c.in(ctx, s.db, tx, fmt.Sprintf("SELECT %d + ?", i))
					if err != nil {
						return err
					}
					var got int
					if err := st.QueryRowContext(ctx, 1).Scan(&got); err != nil {
						return err
					}
					if got != i+1 {
						return fmt.Errorf("SELECT %d + 1 = %d", i, got)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := len(c.stmts); n != maxCachedStmts {
			t.Errorf("cache holds %d statements, want the cap %d", n, maxCachedStmts)
		}
		c.close()
		if c.stmts != nil {
			t.Error("close left statements behind")
		}
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			_, err := c.in(ctx, s.db, tx, "SELECT nonsense FROM nowhere")
			return err
		})
		if err == nil {
			t.Error("a bad query prepared without error")
		}
	})
}
