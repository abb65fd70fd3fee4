package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// itemPostings turns the page's microdata and RDFa JobPostings into the same
// shape decoded JSON-LD has, so one mapping (fromSchema) reads all three.
func (sc *scan) itemPostings() []schemaObj {
	var out []schemaObj
	for _, n := range sc.items {
		if hasAttr(n, "itemscope") {
			out = append(out, schemaObj{microdataItem(n, 0), SourceMicrodata})
		} else {
			out = append(out, schemaObj{rdfaItem(n, 0), SourceRDFa})
		}
	}
	return out
}

// microdataItem reads the properties of the itemscope element n.
func microdataItem(n *html.Node, depth int) map[string]any {
	obj := map[string]any{"@type": schemaLocal(strings.TrimSpace(firstField(attr(n, "itemtype"))))}
	var visit func(c *html.Node, d int)
	visit = func(c *html.Node, d int) {
		if d > maxDepth {
			return
		}
		for ; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			props := strings.Fields(attr(c, "itemprop"))
			scoped := hasAttr(c, "itemscope")
			if len(props) > 0 {
				var v any
				if scoped && depth < 8 {
					v = microdataItem(c, depth+1)
				} else {
					v = propertyValue(c, "")
				}
				for _, p := range props {
					addProp(obj, schemaLocal(p), v)
				}
			}
			if !scoped { // a nested item's properties are its own
				visit(c.FirstChild, d+1)
			}
		}
	}
	visit(n.FirstChild, 0)
	return obj
}

// rdfaItem reads the properties of the RDFa typeof element n.
func rdfaItem(n *html.Node, depth int) map[string]any {
	obj := map[string]any{"@type": schemaLocal(strings.TrimSpace(firstField(attr(n, "typeof"))))}
	var visit func(c *html.Node, d int)
	visit = func(c *html.Node, d int) {
		if d > maxDepth {
			return
		}
		for ; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			props := strings.Fields(attr(c, "property"))
			typed := hasAttr(c, "typeof")
			if len(props) > 0 {
				var v any
				if typed && depth < 8 {
					v = rdfaItem(c, depth+1)
				} else {
					v = propertyValue(c, attr(c, "content"))
				}
				for _, p := range props {
					addProp(obj, schemaLocal(p), v)
				}
			}
			if !typed {
				visit(c.FirstChild, d+1)
			}
		}
	}
	visit(n.FirstChild, 0)
	return obj
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func addProp(obj map[string]any, name string, v any) {
	switch old := obj[name].(type) {
	case nil:
		obj[name] = v
	case []any:
		obj[name] = append(old, v)
	default:
		obj[name] = []any{old, v}
	}
}

// propertyValue is the value of a microdata or RDFa property element, as
// the HTML microdata specification defines it per element.
func propertyValue(n *html.Node, content string) any {
	if content != "" {
		return plainText(content)
	}
	switch n.DataAtom {
	case atom.Meta:
		return plainText(attr(n, "content"))
	case atom.A, atom.Area, atom.Link:
		return plainText(attr(n, "href"))
	case atom.Img, atom.Audio, atom.Video, atom.Source, atom.Embed, atom.Iframe, atom.Track:
		return plainText(attr(n, "src"))
	case atom.Object:
		return plainText(attr(n, "data"))
	case atom.Data, atom.Meter:
		return plainText(attr(n, "value"))
	case atom.Time:
		if dt := attr(n, "datetime"); dt != "" {
			return plainText(dt)
		}
	}
	if c := attr(n, "content"); c != "" {
		return plainText(c)
	}
	return plainText(nodeText(n))
}
