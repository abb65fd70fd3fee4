package crawler

import (
	"reflect"
	"testing"

	"github.com/jobcrawl/jobcrawl/extract"
)

// TestContentHashCoversEveryField: a change of any field of a posting but
// its URLs (and the order of its lists of places and ids) changes its hash.
func TestContentHashCoversEveryField(t *testing.T) {
	base := extract.Posting{JobNumber: "1", Title: "Engineer", Locations: []string{"B", "A"}, AltIDs: []string{"y", "x"}}
	h0 := ContentHash(base)
	ignored := map[string]bool{"URL": true, "URLs": true, "Sources": true, "Rules": true}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		if ignored[f.Name] || !f.IsExported() {
			continue
		}
		p := base
		v := reflect.ValueOf(&p).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "changed")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Float64:
			v.SetFloat(v.Float() + 1)
		case reflect.Slice:
			v.Set(reflect.Append(v, reflect.ValueOf("added")))
		default:
			t.Fatalf("field %s of kind %s: teach the test (and ContentHash) about it", f.Name, v.Kind())
		}
		if ContentHash(p) == h0 {
			t.Errorf("changing %s does not change the hash", f.Name)
		}
	}
	same := base
	same.URL, same.URLs = "https://x.example/1", []string{"https://x.example/1?a"}
	same.Locations, same.AltIDs = []string{"A", "B"}, []string{"x", "y"}
	if ContentHash(same) != h0 {
		t.Error("URLs or the order of places changed the hash")
	}
	if a, b := (extract.Posting{Title: "ab", Team: "c"}), (extract.Posting{Title: "a", Team: "bc"}); ContentHash(a) == ContentHash(b) {
		t.Error("fields run into each other")
	}
}
