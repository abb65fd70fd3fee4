package extract

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestOwnCopiesEveryString fills every string of a Posting's record fields,
// scalars and lists, then checks that own moved each into one buffer of
// their size: a field added to Posting and forgotten by eachString fails it.
func TestOwnCopiesEveryString(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		b.WriteByte(byte('a' + i%26))
	}
	page := b.String() // stands for the page the strings were cut from
	var p Posting
	v := reflect.ValueOf(&p).Elem()
	total, k := 0, 0
	next := func() string {
		k++
		s := page[k*10 : k*10+1+k%7]
		total += len(s)
		return s
	}
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(next())
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			f.Set(reflect.ValueOf([]string{next(), next()}))
		}
	}
	before := fmt.Sprintf("%+v", p)
	p.own()
	if after := fmt.Sprintf("%+v", p); after != before {
		t.Errorf("own changed the posting:\n%s\n%s", before, after)
	}
	var lo, hi uintptr
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		var strs []string
		switch {
		case f.Kind() == reflect.String:
			strs = []string{f.String()}
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			strs = f.Interface().([]string)
		}
		for j, s := range strs {
			at := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			pageAt := uintptr(unsafe.Pointer(unsafe.StringData(page)))
			if at >= pageAt && at < pageAt+uintptr(len(page)) {
				t.Errorf("%s[%d] still points into the page", name, j)
			}
			if lo == 0 || at < lo {
				lo = at
			}
			if end := at + uintptr(len(s)); end > hi {
				hi = end
			}
		}
	}
	if got := int(hi - lo); got != total {
		t.Errorf("the strings span %d bytes, want one buffer of %d", got, total)
	}
}

// TestOwnLongStringsAlone checks that a long string (a description) is
// copied on its own, so that a short one kept elsewhere (a job number in a
// map) does not keep it alive.
func TestOwnLongStringsAlone(t *testing.T) {
	page := strings.Repeat("long description ", 100)
	p := Posting{JobNumber: page[:6], Title: page[5:20], Description: page[:1000]}
	p.own()
	num := uintptr(unsafe.Pointer(unsafe.StringData(p.JobNumber)))
	title := uintptr(unsafe.Pointer(unsafe.StringData(p.Title)))
	desc := uintptr(unsafe.Pointer(unsafe.StringData(p.Description)))
	pageAt := uintptr(unsafe.Pointer(unsafe.StringData(page)))
	if desc >= pageAt && desc < pageAt+uintptr(len(page)) {
		t.Error("the description still points into the page")
	}
	if title != num+6 {
		t.Errorf("the short strings are not in one buffer: job number at %#x, title at %#x", num, title)
	}
	if desc >= num && desc < num+6+15 {
		t.Error("the description shares the short strings' buffer")
	}
	if p.Description != page[:1000] || p.JobNumber != page[:6] {
		t.Error("own changed the strings")
	}
}
