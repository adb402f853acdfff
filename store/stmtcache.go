package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements for the queries a Store runs most,
// so that ingesting thousands of editions does not parse the same SQL
// again for every one. Its zero value is ready to use.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache; other queries are prepared per use.
const maxCachedStmts = 256

// in returns query's statement bound to tx, from the cache when it can;
// it is closed with the transaction.
func (c *stmtCache) in(ctx context.Context, db *sql.DB, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[query]
	if st == nil {
		if len(c.stmts) >= maxCachedStmts {
			return tx.PrepareContext(ctx, query)
		}
		var err error
		if st, err = db.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		c.stmts[query] = st
	}
	return tx.StmtContext(ctx, st), nil
}

// close closes the cached statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}
