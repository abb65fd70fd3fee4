package engine

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/jobcrawl/jobcrawl/index"
)

// The record store, engine.db, is a bbolt file: the source of truth. Every
// write commits (and fsyncs) there before Upsert, Touch or Delete return;
// the search index in memory and its snapshot file are derived from it.
//
//	records  key → the record without its bookkeeping (see content): the
//	         description's length (uvarint), the description, and the
//	         JSON of the rest, id included (encoding/json spends most of
//	         its time escaping and scanning long strings: the description
//	         is neither). The key is the bucket's next sequence number (8
//	         bytes, big endian) when the content was written: records are
//	         only ever appended, so bbolt rewrites just its last leaf, and
//	         a write never touches (nor pages into memory) the records
//	         written before it.
//	books    id → seq (8 bytes, big endian) + the record's key (8 bytes) +
//	         the bookkeeping's JSON (see books)
//	meta     "seq" → the sequence number of the last write (8 bytes)
//	         "id"  → a random id of this store, which snapshots repeat
//	         "format" → storeFormat
//
// Keeping the bookkeeping apart lets Entries and Touch read and write a
// few hundred bytes per record instead of its description.
var (
	bucketRecords = []byte("records")
	bucketBooks   = []byte("books")
	bucketMeta    = []byte("meta")
	keySeq        = []byte("seq")
	keyStoreID    = []byte("id")
	keyFormat     = []byte("format")
)

// storeFormat changes whenever the layout above does.
const storeFormat = "2"

// books is the part of a record that crawls change without changing its
// content: what Entries returns and Touch writes.
type books struct {
	Site        string        `json:"site"`
	JobNumber   string        `json:"job_number,omitempty"`
	ContentHash string        `json:"content_hash,omitempty"`
	Status      string        `json:"status"`
	FirstSeen   time.Time     `json:"first_seen"`
	LastSeen    time.Time     `json:"last_seen"`
	ClosedAt    *time.Time    `json:"closed_at,omitempty"`
	CheckedAt   *time.Time    `json:"checked_at,omitempty"`
	Fetch       []index.Fetch `json:"fetch,omitempty"`
	Cards       []string      `json:"cards,omitempty"`
}

func booksOf(r *index.Record) books {
	return books{Site: r.Site, JobNumber: r.JobNumber, ContentHash: r.ContentHash, Status: r.Status, FirstSeen: r.FirstSeen,
		LastSeen: r.LastSeen, ClosedAt: r.ClosedAt, CheckedAt: r.CheckedAt, Fetch: r.Fetch, Cards: r.Cards}
}

// apply copies the bookkeeping onto r.
func (b *books) apply(r *index.Record) {
	r.Site, r.JobNumber, r.ContentHash, r.Status = b.Site, b.JobNumber, b.ContentHash, b.Status
	r.FirstSeen, r.LastSeen, r.ClosedAt, r.CheckedAt, r.Fetch, r.Cards = b.FirstSeen, b.LastSeen, b.ClosedAt, b.CheckedAt, b.Fetch, b.Cards
	r.Normalize()
}

func (b *books) entry(id string) index.Entry {
	return index.Entry{ID: id, JobNumber: b.JobNumber, ContentHash: b.ContentHash, Status: b.Status, FirstSeen: b.FirstSeen,
		LastSeen: b.LastSeen, ClosedAt: b.ClosedAt, CheckedAt: b.CheckedAt, Fetch: b.Fetch, Cards: b.Cards}
}

// content is what the records bucket keeps of r: all but the bookkeeping
// Touch may change (books holds it).
func content(r index.Record) index.Record {
	r.Status, r.LastSeen, r.LastSeenTS, r.ClosedAt, r.CheckedAt, r.Fetch, r.Cards = "", time.Time{}, 0, nil, nil, nil, nil
	return r
}

func encodeBooks(seq, key uint64, b *books) ([]byte, error) {
	js, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 16, 16+len(js))
	binary.BigEndian.PutUint64(out, seq)
	binary.BigEndian.PutUint64(out[8:], key)
	return append(out, js...), nil
}

// booksSeq is the sequence number of the write that last changed a record.
func booksSeq(v []byte) uint64 {
	if len(v) < 16 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// booksKey is the key of a record's content in the records bucket.
func booksKey(v []byte) []byte {
	if len(v) < 16 {
		return nil
	}
	return v[8:16]
}

func decodeBooks(v []byte) (books, error) {
	var b books
	if len(v) < 16 {
		return b, errors.New("bookkeeping too short")
	}
	err := json.Unmarshal(v[16:], &b)
	return b, err
}

// encodeContent is the records bucket's value of r.
func encodeContent(r *index.Record) ([]byte, error) {
	c := content(*r)
	c.Description = ""
	js, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(r.Description)+len(js)), uint64(len(r.Description)))
	out = append(out, r.Description...)
	return append(out, js...), nil
}

// decodeContent reads a records bucket's value.
func decodeContent(v []byte, r *index.Record) error {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return errors.New("bad description length")
	}
	if err := json.Unmarshal(v[k+int(n):], r); err != nil {
		return err
	}
	r.Description = string(v[k : k+int(n)])
	return nil
}

// putRecord writes r (normalized) with its bookkeeping at seq: its content
// appended under a new key, the content it replaces removed.
func putRecord(tx *bbolt.Tx, seq uint64, r *index.Record) error {
	js, err := encodeContent(r)
	if err != nil {
		return fmt.Errorf("encode %s: %w", r.ID, err)
	}
	recs, bks := tx.Bucket(bucketRecords), tx.Bucket(bucketBooks)
	recs.FillPercent = 1 // appended in key order: pack the leaves full
	if old := booksKey(bks.Get([]byte(r.ID))); old != nil {
		if err := recs.Delete(old); err != nil {
			return err
		}
	}
	n, err := recs.NextSequence()
	if err != nil {
		return err
	}
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], n)
	b := booksOf(r)
	bk, err := encodeBooks(seq, n, &b)
	if err != nil {
		return fmt.Errorf("encode %s: %w", r.ID, err)
	}
	if err := recs.Put(key[:], js); err != nil {
		return err
	}
	return bks.Put([]byte(r.ID), bk)
}

// readRecord reads the record id with its bookkeeping. ok is false when
// there is none; seq is the write that last changed it.
func readRecord(tx *bbolt.Tx, id string) (r index.Record, seq uint64, ok bool, err error) {
	bk := tx.Bucket(bucketBooks).Get([]byte(id))
	if bk == nil {
		return r, 0, false, nil
	}
	raw := tx.Bucket(bucketRecords).Get(booksKey(bk))
	if raw == nil {
		return r, 0, false, nil
	}
	if err := decodeContent(raw, &r); err != nil {
		return r, 0, false, fmt.Errorf("decode record %s: %w", id, err)
	}
	b, err := decodeBooks(bk)
	if err != nil {
		return r, 0, false, fmt.Errorf("decode bookkeeping of %s: %w", id, err)
	}
	b.apply(&r)
	return r, booksSeq(bk), true, nil
}

func deleteRecord(tx *bbolt.Tx, id string) error {
	bks := tx.Bucket(bucketBooks)
	if key := booksKey(bks.Get([]byte(id))); key != nil {
		if err := tx.Bucket(bucketRecords).Delete(key); err != nil {
			return err
		}
	}
	return bks.Delete([]byte(id))
}

func putSeq(tx *bbolt.Tx, seq uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return tx.Bucket(bucketMeta).Put(keySeq, b[:])
}

func readSeq(tx *bbolt.Tx) uint64 {
	v := tx.Bucket(bucketMeta).Get(keySeq)
	if len(v) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// initStore creates the buckets of a new store and checks an old one's
// format. It returns the store's id.
func initStore(db *bbolt.DB) (string, error) {
	var id string
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketRecords, bucketBooks, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if f := meta.Get(keyFormat); f != nil && string(f) != storeFormat {
			return fmt.Errorf("store format %q, this jobcrawl reads %q: move the data directory away and crawl again", f, storeFormat)
		}
		if v := meta.Get(keyStoreID); v != nil {
			id = string(v)
			return nil
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		id = hex.EncodeToString(b[:])
		if err := meta.Put(keyFormat, []byte(storeFormat)); err != nil {
			return err
		}
		return meta.Put(keyStoreID, []byte(id))
	})
	return id, err
}
