package engine

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/RoaringBitmap/roaring/v2"
)

// The snapshot file, engine.snap, is a cache of the search index: the
// view's docsets, columns and dictionaries, so that Open does not
// re-tokenize every record. It is written whole to engine.snap.tmp,
// fsynced and renamed over the old one (and the directory fsynced), so it
// is either the old snapshot or the new one, never half of one.
//
// It names the store it was made from (its random id) and the store's
// sequence number it reflects. On Open, a snapshot of another store, or
// one that does not read back (a wrong magic, version or checksum, a
// truncated file) is ignored and the index rebuilt from the records; an
// older one is brought up to date by re-indexing the records changed
// since its sequence number (catchUp). A crash can therefore never lose
// what the store holds, only cost the time of re-indexing it.
//
// Layout: snapMagic, then uvarints, length-prefixed strings and byte
// strings, docsets (block count, then per block its number and its roaring
// bitmap, length-prefixed), and last the CRC-32 (Castagnoli) of everything
// before it.
const (
	snapFile    = "engine.snap"
	snapMagic   = "jobcrawl engine snapshot\n"
	snapVersion = 1
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt is wrapped by readSnapshot's errors about the file's content.
var errCorrupt = errors.New("corrupt snapshot")

// snapWriter writes the snapshot encoding, keeping the first error.
type snapWriter struct {
	w       *bufio.Writer
	crc     hash.Hash32
	err     error
	scratch [binary.MaxVarintLen64]byte
}

// crcWriter hashes what goes through it.
type crcWriter struct {
	w   io.Writer
	crc hash.Hash32
}

func (c crcWriter) Write(p []byte) (int, error) {
	c.crc.Write(p)
	return c.w.Write(p)
}

func (s *snapWriter) raw(p []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(p)
	}
}

func (s *snapWriter) uvarint(x uint64) {
	n := binary.PutUvarint(s.scratch[:], x)
	s.raw(s.scratch[:n])
}

func (s *snapWriter) varint(x int64) {
	n := binary.PutVarint(s.scratch[:], x)
	s.raw(s.scratch[:n])
}

func (s *snapWriter) str(x string) {
	s.uvarint(uint64(len(x)))
	if s.err == nil {
		_, s.err = s.w.WriteString(x)
	}
}

func (s *snapWriter) bytes(b []byte) {
	s.uvarint(uint64(len(b)))
	s.raw(b)
}

func (s *snapWriter) docset(d docset) {
	s.uvarint(uint64(len(d)))
	for _, b := range d {
		s.uvarint(uint64(b.n))
		s.uvarint(b.bm.GetSerializedSizeInBytes())
		if s.err == nil {
			_, s.err = b.bm.WriteTo(s.w)
		}
	}
}

// writeSnapshot writes v as the snapshot of store storeID in dir.
func writeSnapshot(dir, storeID string, v *view) (err error) {
	path := filepath.Join(dir, snapFile)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write snapshot: %w", err)
		}
	}()
	crc := crc32.New(crcTable)
	s := &snapWriter{w: bufio.NewWriterSize(crcWriter{f, crc}, 1<<16), crc: crc}
	if err := s.view(storeID, v); err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
	if _, err := f.Write(sum[:]); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

func (s *snapWriter) view(storeID string, v *view) error {
	s.raw([]byte(snapMagic))
	s.uvarint(snapVersion)
	s.str(storeID)
	s.uvarint(v.seq)
	s.uvarint(uint64(v.ndocs))
	s.docset(v.live)
	// per-document columns; a tombstoned document's are left empty
	live := make([]bool, v.ndocs)
	v.live.each(func(d uint32) bool { live[d] = true; return true })
	for d := range v.ndocs {
		if !live[d] {
			s.str("")
			continue
		}
		s.str(v.ids.at(d))
		s.varint(v.datePosted.at(d))
		s.varint(v.firstSeen.at(d))
		s.varint(v.lastSeen.at(d))
		s.uvarint(math.Float64bits(v.salaryMin.at(d)))
		s.uvarint(math.Float64bits(v.salaryMax.at(d)))
		s.str(v.title.at(d))
	}
	// vocabulary and postings
	s.uvarint(uint64(v.nterms))
	for id := range v.nterms {
		s.str(v.terms.at(id))
		if tp := v.posts.at(id); tp != nil {
			s.uvarint(uint64(tp.fields))
			for _, set := range tp.sets {
				s.docset(set)
			}
		} else {
			s.uvarint(0)
		}
	}
	data, n, err := v.vocab.compiled()
	if err != nil {
		return err
	}
	s.uvarint(uint64(n))
	s.bytes(data)
	// facets
	for f, ff := range facetFields {
		fx := &v.facets[f]
		s.uvarint(uint64(fx.nvalues))
		for id := range fx.nvalues {
			fv := fx.values.at(id)
			s.str(fv.display)
			s.docset(fv.docs)
		}
		data, n, err := fx.dict.compiled()
		if err != nil {
			return err
		}
		s.uvarint(uint64(n))
		s.bytes(data)
		for d := range v.ndocs {
			switch {
			case !live[d]:
				s.uvarint(0)
			case ff.multi:
				ids := fx.many.at(d)
				s.uvarint(uint64(len(ids)))
				for _, id := range ids {
					s.uvarint(uint64(id))
				}
			default:
				s.uvarint(uint64(fx.one.at(d)))
			}
		}
	}
	return nil
}

// snapReader reads the snapshot encoding, keeping the first error.
type snapReader struct {
	r       *bufio.Reader
	left    int64 // bytes left before the checksum: bounds every length read
	err     error
	scratch []byte
}

func (s *snapReader) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
	}
}

func (s *snapReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(s)
	if err != nil {
		s.fail("read number: %v", err)
	}
	return x
}

func (s *snapReader) varint() int64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadVarint(s)
	if err != nil {
		s.fail("read number: %v", err)
	}
	return x
}

// ReadByte counts what the varint readers take.
func (s *snapReader) ReadByte() (byte, error) {
	if s.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	s.left--
	return s.r.ReadByte()
}

// length reads a length, at most what is left of the file.
func (s *snapReader) length() int {
	n := s.uvarint()
	if n > uint64(s.left) {
		s.fail("length %d past the end", n)
		return 0
	}
	return int(n)
}

// count reads a number of items, at most max.
func (s *snapReader) count(max uint64) uint64 {
	n := s.uvarint()
	if n > max {
		s.fail("count %d over %d", n, max)
		return 0
	}
	return n
}

func (s *snapReader) fill(n int) []byte {
	if cap(s.scratch) < n {
		s.scratch = make([]byte, n)
	}
	b := s.scratch[:n]
	if s.err == nil {
		if _, err := io.ReadFull(s.r, b); err != nil {
			s.fail("read %d bytes: %v", n, err)
		}
		s.left -= int64(n)
	}
	return b
}

func (s *snapReader) str() string {
	n := s.length()
	if n == 0 {
		return ""
	}
	return string(s.fill(n))
}

func (s *snapReader) bytes() []byte {
	return bytes.Clone(s.fill(s.length()))
}

func (s *snapReader) docset() docset {
	n := s.count(1 << (32 - blockBits))
	if s.err != nil || n == 0 {
		return nil
	}
	out := make(docset, 0, n)
	for range n {
		blk := s.uvarint()
		data := s.fill(s.length())
		if s.err != nil {
			return nil
		}
		bm := roaring.New()
		if err := bm.UnmarshalBinary(data); err != nil {
			s.fail("bitmap: %v", err)
			return nil
		}
		if bm.IsEmpty() || uint64(bm.Minimum()>>blockBits) != blk || uint64(bm.Maximum()>>blockBits) != blk ||
			len(out) > 0 && out[len(out)-1].n >= uint32(blk) {
			s.fail("bitmap of block %d out of place", blk)
			return nil
		}
		out = append(out, block{uint32(blk), bm})
	}
	return out
}

// readSnapshot reads the snapshot in dir. It fails with an error wrapping
// errCorrupt when the file does not read back, and with one wrapping
// fs.ErrNotExist when there is none.
func readSnapshot(dir string) (v *view, storeID string, err error) {
	path := filepath.Join(dir, snapFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	size := st.Size() - 4
	if size < int64(len(snapMagic)) {
		return nil, "", fmt.Errorf("%w: %d bytes", errCorrupt, st.Size())
	}
	// first pass: the checksum, so the decoder only ever reads what was written
	crc := crc32.New(crcTable)
	if _, err := io.CopyN(crc, f, size); err != nil {
		return nil, "", fmt.Errorf("%w: %v", errCorrupt, err)
	}
	var sum [4]byte
	if _, err := io.ReadFull(f, sum[:]); err != nil {
		return nil, "", fmt.Errorf("%w: %v", errCorrupt, err)
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return nil, "", fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	s := &snapReader{r: bufio.NewReaderSize(f, 1<<16), left: size}
	defer func() {
		if p := recover(); p != nil { // a decoder's panic on bytes the checksum let through
			v, err = nil, fmt.Errorf("%w: %v", errCorrupt, p)
		}
	}()
	v, storeID = s.view()
	if s.err != nil {
		return nil, "", s.err
	}
	return v, storeID, nil
}

func (s *snapReader) view() (*view, string) {
	if string(s.fill(len(snapMagic))) != snapMagic {
		s.fail("not a snapshot")
	}
	if ver := s.uvarint(); ver != snapVersion && s.err == nil {
		s.fail("version %d, want %d", ver, snapVersion)
	}
	storeID := s.str()
	v := &view{seq: s.uvarint()}
	ndocs := s.count(math.MaxUint32)
	v.ndocs = uint32(ndocs)
	v.live = s.docset()
	const gen = 0 // chunks made here belong to no write: the first write copies them
	for d := range v.ndocs {
		id := s.str()
		if s.err != nil {
			return nil, ""
		}
		v.ids.set(gen, d, id)
		if id == "" {
			continue
		}
		v.datePosted.set(gen, d, s.varint())
		v.firstSeen.set(gen, d, s.varint())
		v.lastSeen.set(gen, d, s.varint())
		v.salaryMin.set(gen, d, math.Float64frombits(s.uvarint()))
		v.salaryMax.set(gen, d, math.Float64frombits(s.uvarint()))
		v.title.set(gen, d, s.str())
	}
	v.nterms = uint32(s.count(math.MaxUint32))
	for id := range v.nterms {
		v.terms.set(gen, id, s.str())
		tp := &termPosts{fields: uint8(s.uvarint())}
		for range bitsBelow(tp.fields, 8) {
			tp.sets = append(tp.sets, s.docset())
		}
		if s.err != nil {
			return nil, ""
		}
		v.posts.set(gen, id, tp)
	}
	n := s.count(uint64(v.nterms))
	var err error
	if v.vocab, err = loadDict(s.bytes(), int(n)); err != nil && s.err == nil {
		s.fail("vocabulary: %v", err)
	}
	for f, ff := range facetFields {
		fx := &v.facets[f]
		fx.nvalues = uint32(s.count(math.MaxUint32))
		for id := range fx.nvalues {
			fv := &facetValue{display: s.str(), docs: s.docset()}
			if s.err != nil {
				return nil, ""
			}
			fx.values.set(gen, id, fv)
		}
		n := s.count(uint64(fx.nvalues))
		if fx.dict, err = loadDict(s.bytes(), int(n)); err != nil && s.err == nil {
			s.fail("facet %s: %v", ff.name, err)
		}
		for d := range v.ndocs {
			if ff.multi {
				k := s.count(uint64(fx.nvalues))
				var ids []uint32
				for range k {
					ids = append(ids, uint32(s.count(uint64(fx.nvalues))))
				}
				fx.many.set(gen, d, ids)
			} else {
				fx.one.set(gen, d, uint32(s.count(uint64(fx.nvalues))))
			}
			if s.err != nil {
				return nil, ""
			}
		}
	}
	if s.left != 0 && s.err == nil {
		s.fail("%d bytes after the end", s.left)
	}
	// the day index is derived
	days := map[int64][]uint32{}
	v.live.each(func(d uint32) bool {
		k := v.datePosted.at(d)
		days[k] = append(days[k], d)
		return true
	})
	v.days = v.days.withAdded(days)
	return v, storeID
}
