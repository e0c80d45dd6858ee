package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	jsoniter "github.com/json-iterator/go"
	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DB is the Passerelle store: one bbolt file, opened by one process at a time.
// All methods are safe for concurrent use by the goroutines of that process.
type DB struct {
	bolt *bolt.DB
	path string
}

// openTimeout bounds how long Open waits for the file lock: another process holding it is
// almost always a running server, and waiting forever would hang the command line.
const openTimeout = time.Second

// initialMmapSize is the address space reserved for the file. Once the file outgrows it,
// bbolt remaps, and a remap waits for every open read transaction to end while blocking new
// ones: every API request stops for it. `bench api` grows a store to 470 MiB (200k notices
// and their matches), past the 256 MiB reserved before, so a remap came in the middle of the
// run; 1 GiB leaves room for a few such runs (bbolt doubles the mapping past it). 64-bit
// address space only, not memory.
const initialMmapSize = 1 << 30

// Open opens (creating it if needed) the store at path and brings its schema up to date.
// When another process holds the file it returns an ECONFLICT error telling the user to go
// through that process's API.
func Open(path string) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: openTimeout,
		// Reserve address space up front: each time bbolt outgrows its mapping it remaps and
		// copies every page the open write transaction touched, which cost a sixth of ingest
		// time on the real notices. This is virtual memory; only pages read count as RSS.
		InitialMmapSize: initialMmapSize,
		// Every transaction, readers' too, takes the lock a new write transaction holds
		// while it releases the pages freed before; the array freelist sorts them all then,
		// the map one does not (what etcd runs), so readers during a run are not held by it.
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, passerelle.Errorf(passerelle.ECONFLICT,
				"store %s is locked by another process (a running server?): work through its API", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	if err := db.migrate(migrations); err != nil {
		b.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

// Close releases the file. The DB must not be used afterwards.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file the store lives in.
func (db *DB) Path() string { return db.path }

// SchemaVersion is the version of the last migration applied to the file.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		v, err = schemaVersion(tx)
		return err
	})
	return v, err
}

// Backup writes a consistent copy of the whole store to w (a read transaction's snapshot:
// writers go on meanwhile) and returns the number of bytes written. The copy is itself a
// store file that Open accepts.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return db.BackupSized(ctx, func(int64) io.Writer { return w })
}

// BackupSized is Backup where the writer is chosen once the copy's size is known (before
// any byte is written): an HTTP answer sets its Content-Length from it, so a client can
// tell a cut copy from a whole one.
//
// The copy is compacted (every key and value rewritten into a fresh file beside the
// store, then streamed and removed), not the file's pages as they are: bbolt leaves the
// old contents of freed pages in the file, so a page copy would carry what was deleted or
// replaced — feed tokens from before they were hashed, members since removed — into every
// backup.
func (db *DB) BackupSized(ctx context.Context, to func(size int64) io.Writer) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := db.compactedCopy(ctx, to)
	if err != nil {
		return n, fmt.Errorf("backup store %s: %w", db.path, err)
	}
	return n, nil
}

// backupTxSize bounds each write transaction of the compacted copy, so that a large store
// is not copied in one transaction held in memory.
const backupTxSize = 16 << 20

func (db *DB) compactedCopy(ctx context.Context, to func(size int64) io.Writer) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(db.path), ".backup-*.db")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return 0, err
	}
	if err := bolt.Compact(dst, db.bolt, backupTxSize); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Close(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	in, err := os.Open(tmp)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return 0, err
	}
	return io.Copy(ctxWriter{ctx, to(st.Size())}, in)
}

// ctxWriter stops a long copy when its context ends.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// view and update run fn in a transaction after checking ctx: bbolt transactions are not
// interruptible, so callers keep them short and check ctx in long loops themselves.
func (db *DB) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

func (db *DB) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}

// bucket returns a top-level bucket that migrations guarantee exists. A missing one means
// the file is damaged or was not made by Passerelle: say so instead of panicking on nil.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("store damaged: bucket %q is missing (run `passerelle check`)", name)
	}
	return b, nil
}

// getJSON decodes the value at key into v. It reports false when the key is absent.
// json.Unmarshal copies what it keeps, so nothing refers to bbolt's memory afterwards.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := decode(data, v); err != nil {
		return true, fmt.Errorf("record %q: %w", key, err)
	}
	return true, nil
}

// decode is the one place values are read back, so that a corrupt value reads as a
// clear "store damaged" error rather than a bare JSON one.
func decode(data []byte, v any) error {
	if err := codec.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store damaged: undecodable value: %w", err)
	}
	return nil
}

// codec encodes and decodes values. It is json-iterator in its standard-library-compatible
// mode: the bytes are the same JSON encoding/json writes and reads (map keys sorted,
// time.Time through its own methods), three times faster to decode — which is what keeps a
// member's 500 matches inside the API's 5 ms budget (see BenchmarkMatches).
var codec = jsoniter.ConfigCompatibleWithStandardLibrary

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := codec.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record %q: %w", key, err)
	}
	return b.Put(key, data)
}

// u64 is a big-endian uint64: byte order equals numeric order, so such keys sort.
func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

// timeKey encodes t so that byte order is time order, including before 1970.
func timeKey(t time.Time) []byte {
	return u64(uint64(t.UnixNano()) ^ (1 << 63))
}

// scoreKeyDesc encodes a score so that byte order is descending score order.
func scoreKeyDesc(s float64) []byte {
	bits := math.Float64bits(s)
	if s >= 0 {
		bits ^= 1 << 63
	} else {
		bits = ^bits
	}
	return u64(^bits)
}

// scoreFromKeyDesc inverts scoreKeyDesc.
func scoreFromKeyDesc(k []byte) float64 {
	b := ^binary.BigEndian.Uint64(k)
	if b&(1<<63) != 0 {
		return math.Float64frombits(b ^ (1 << 63))
	}
	return math.Float64frombits(^b)
}

// join builds a compound key from parts separated by 0 bytes; ids never contain 0 bytes
// (validated on the way in), so prefixes never collide.
func join(parts ...[]byte) []byte {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			out = append(out, 0)
		}
		out = append(out, p...)
	}
	return out
}

// prefixScan calls fn for every key of b starting with prefix, in key order.
func prefixScan(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// checkID rejects ids that would break compound keys or be meaningless as keys.
func checkID(what, id string) error {
	if id == "" {
		return passerelle.Errorf(passerelle.EINVALID, "%s id is required", what)
	}
	if bytes.IndexByte([]byte(id), 0) >= 0 {
		return passerelle.Errorf(passerelle.EINVALID, "%s id %q contains a NUL byte", what, id)
	}
	if len(id) > 1024 {
		return passerelle.Errorf(passerelle.EINVALID, "%s id %.40q... is longer than 1024 bytes", what, id)
	}
	return nil
}

var keyWriteProbe = []byte("write_probe")

// WriteProbe writes a tiny record (meta/write_probe = now) in its own transaction: it fails
// when the store cannot be written — a full disk, a read-only file system — which is what
// readiness has to know. Reads alone would still succeed then.
func (db *DB) WriteProbe(ctx context.Context, now time.Time) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyWriteProbe, timeKey(now))
	})
}
