package meili

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jobcrawl/jobcrawl/index"
)

// attrRe is what Filter accepts as an attribute name: the schema's
// snake_case names, which Meilisearch reads as bare words (its keywords —
// AND, OR, TO, IN… — are upper case, so none can collide).
var attrRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Filter turns the query model's filters into a Meilisearch filter
// expression: the values of one filter OR-ed, the filters AND-ed, every
// group in parentheses, every value a double-quoted string:
//
//	(team = "Cloud" OR team = "R&D \"Core\"") AND (site = "contoso")
//
// Inside the quotes every backslash is doubled and every double quote is
// preceded by a backslash, which is how Meilisearch (since v1.4) reads a
// quoted value back to the exact string: a value holding quotes, OR, AND,
// TO, brackets or backslashes matches literally and cannot change the
// expression's structure. No filters give "". Values must be valid UTF-8
// (the JSON request would otherwise change them).
func Filter(filters []index.Filter) (string, error) {
	var b strings.Builder
	for i, f := range filters {
		if !attrRe.MatchString(f.Field) {
			return "", fmt.Errorf("%w: cannot filter on %q", index.ErrBadQuery, f.Field)
		}
		if len(f.Values) == 0 {
			return "", fmt.Errorf("%w: filter on %q has no value", index.ErrBadQuery, f.Field)
		}
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteByte('(')
		for j, v := range f.Values {
			if !utf8.ValidString(v) {
				return "", fmt.Errorf("%w: filter on %q: value %q is not valid UTF-8", index.ErrBadQuery, f.Field, v)
			}
			if j > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(f.Field)
			b.WriteString(" = ")
			writeQuoted(&b, v)
		}
		b.WriteByte(')')
	}
	return b.String(), nil
}

// writeQuoted writes v as a double-quoted filter value.
func writeQuoted(b *strings.Builder, v string) {
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
