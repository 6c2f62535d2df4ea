package models

import (
	"database/sql"
	"database/sql/driver"
	"time"

	// The pure-Go SQLite driver behind github.com/glebarez/sqlite. Never
	// import modernc.org/sqlite directly: both register the name "sqlite".
	_ "github.com/glebarez/go-sqlite"
)

// sqliteDriverName is the SQLite driver with every time argument in UTC.
const sqliteDriverName = "pacer-sqlite"

func init() {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		panic("models: the sqlite driver is not registered: " + err.Error())
	}
	sql.Register(sqliteDriverName, utcDriver{db.Driver()})
	_ = db.Close()
}

// utcDriver wraps the SQLite driver so that time arguments are written in
// UTC: SQLite stores times as text with their offset, and text comparisons
// (ORDER BY, <, window counts) are only right when every row has the same one.
type utcDriver struct{ driver.Driver }

func (d utcDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &utcConn{c.(sqliteConn)}, nil
}

// sqliteConn is what the glebarez connection implements.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
}

type utcConn struct{ sqliteConn }

// CheckNamedValue converts times to UTC, then lets database/sql apply its
// default conversion.
func (c *utcConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case time.Time:
		nv.Value = v.UTC()
	case *time.Time:
		if v != nil {
			nv.Value = v.UTC()
		}
	}
	return driver.ErrSkip
}

var (
	_ driver.NamedValueChecker = (*utcConn)(nil)
)
