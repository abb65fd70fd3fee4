package engine

// compactMinDead is the fewest tombstones worth a compaction; above it, a
// compaction runs when tombstones are more than a quarter of the docnums.
const compactMinDead = 1024

// compact renumbers the documents densely, dropping tombstoned docnums and
// the words and facet values no current record holds any more, and
// publishes the result. It runs under wmu, after a write: it holds up the
// next write (roughly the time of a snapshot), never a search, which keeps
// reading the view it loaded. The sequence number does not change: the
// compacted view holds the same records.
func (e *Engine) compact() error {
	old := e.view.Load()
	e.w.gen++
	gen := e.w.gen

	newNum := make([]uint32, old.ndocs) // old docnum → new docnum + 1 (0: tombstoned)
	var n uint32
	old.live.each(func(d uint32) bool {
		n++
		newNum[d] = n
		return true
	})
	v := &view{seq: old.seq, ndocs: n, live: old.live.remapped(newNum)}

	var entries []dictEntry
	err := old.vocab.each(func(k []byte, id uint32) bool {
		tp := old.posts.at(id)
		ntp := &termPosts{}
		for f := range nText {
			if s := tp.field(f).remapped(newNum); len(s) > 0 {
				ntp = ntp.with(f, s)
			}
		}
		if ntp.fields == 0 {
			return true
		}
		nid := v.nterms
		v.nterms++
		v.terms.set(gen, nid, string(k))
		v.posts.set(gen, nid, ntp)
		entries = append(entries, dictEntry{string(k), nid})
		return true
	})
	if err != nil {
		return err
	}
	if v.vocab, err = (&dict{side: entries}).rebuilt(); err != nil {
		return err
	}

	var valueNum [nFacets][]uint32 // old value id → new value id + 1 (0: dropped)
	for f := range facetFields {
		ofx, fx := &old.facets[f], &v.facets[f]
		valueNum[f] = make([]uint32, ofx.nvalues)
		entries = entries[:0]
		err := ofx.dict.each(func(k []byte, id uint32) bool {
			fv := ofx.values.at(id)
			docs := fv.docs.remapped(newNum)
			if len(docs) == 0 {
				return true
			}
			nid := fx.nvalues
			fx.nvalues++
			fx.values.set(gen, nid, &facetValue{display: fv.display, docs: docs})
			valueNum[f][id] = nid + 1
			entries = append(entries, dictEntry{string(k), nid})
			return true
		})
		if err != nil {
			return err
		}
		if fx.dict, err = (&dict{side: entries}).rebuilt(); err != nil {
			return err
		}
	}

	days := map[int64][]uint32{}
	old.live.each(func(d uint32) bool {
		nd := newNum[d] - 1
		v.ids.set(gen, nd, old.ids.at(d))
		v.datePosted.set(gen, nd, old.datePosted.at(d))
		v.firstSeen.set(gen, nd, old.firstSeen.at(d))
		v.lastSeen.set(gen, nd, old.lastSeen.at(d))
		v.salaryMin.set(gen, nd, old.salaryMin.at(d))
		v.salaryMax.set(gen, nd, old.salaryMax.at(d))
		v.title.set(gen, nd, old.title.at(d))
		days[old.datePosted.at(d)] = append(days[old.datePosted.at(d)], nd)
		for f, ff := range facetFields {
			ofx, fx := &old.facets[f], &v.facets[f]
			if ff.multi {
				var ids []uint32
				for _, id := range ofx.many.at(d) {
					if m := valueNum[f][id]; m != 0 {
						ids = append(ids, m-1)
					}
				}
				fx.many.set(gen, nd, ids)
			} else {
				var id uint32
				if o := ofx.one.at(d); o != 0 {
					id = valueNum[f][o-1]
				}
				fx.one.set(gen, nd, id)
			}
		}
		return true
	})
	v.days = v.days.withAdded(days)

	w, err := writerOf(v)
	if err != nil {
		return err
	}
	w.gen, w.sinceSnapshot = e.w.gen, e.w.sinceSnapshot
	e.w = w
	e.view.Store(v)
	return nil
}
