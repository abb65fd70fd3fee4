package docs

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's top directory, seen from internal/docs.
const repoRoot = "../.."

// TestDocs checks every Markdown file of the repository: relative links
// reach a file, #anchors a heading (or an HTML id) of their target, and code
// fences are closed. External links are not fetched.
func TestDocs(t *testing.T) {
	files, err := markdownFiles(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "README.md") {
		t.Fatalf("no README.md among the %d Markdown files found from %s", len(files), repoRoot)
	}
	for _, p := range checkRepo(repoRoot, files) {
		t.Error(p)
	}
}

// TestDocsChecker runs the checker on small made-up repositories, so that
// TestDocs passing means something.
func TestDocsChecker(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // one substring per problem, in order
	}{
		{
			name: "good links",
			files: map[string]string{
				"README.md": "# Top\n\nSee [a](docs/a.md), [b](docs/a.md#a-section-with-code-and-punctuation), " +
					"[c](docs/a.md#twice-1), [d](#top), [e](https://example.com/x.md#nope), [f](docs/), " +
					"[g](docs/a.md \"title\"), [h]\n\n[h]: docs/a.md#twice\n",
				"docs/a.md": "# A\n\n## A section with `code`, and punctuation!\n\n## Twice\n\n## Twice\n",
			},
		},
		{
			name: "missing file and anchor",
			files: map[string]string{
				"README.md": "# Top\n\n[x](docs/none.md) and\n[y](docs/a.md#nowhere) [z](#not-here)\n",
				"docs/a.md": "# A\n",
			},
			want: []string{
				"README.md:3: broken link docs/none.md: no such file",
				"README.md:4: broken link docs/a.md#nowhere: docs/a.md has no heading with anchor #nowhere",
				"README.md:4: broken link #not-here: README.md has no heading with anchor #not-here",
			},
		},
		{
			name: "links in code are not links",
			files: map[string]string{
				"README.md": "# Top\n\n`[x](nope.md)`\n\n```md\n[y](nope.md)\n```\n\n~~~\n[z](nope.md)\n~~~\n",
			},
		},
		{
			name: "unclosed fence",
			files: map[string]string{
				"README.md": "# Top\n\n```sh\necho hi\n\n## Lost\n",
			},
			want: []string{"README.md:3: code fence ``` is never closed"},
		},
		{
			name: "fence opened inside an open fence",
			files: map[string]string{
				"README.md": "# Top\n\n```sh\n$ curl x\n\n### Metrics\n\n```ini\n[Unit]\n```\n",
			},
			want: []string{"README.md:8: code fence opened at line 3 is still open"},
		},
		{
			name: "longer fences hold shorter ones",
			files: map[string]string{
				"README.md": "# Top\n\n````md\n```sh\nls\n```\n````\n",
			},
		},
		{
			name: "outside the repository",
			files: map[string]string{
				"README.md": "# Top\n\n[x](../elsewhere.md)\n",
			},
			want: []string{"README.md:3: broken link ../elsewhere.md: outside the repository"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, text := range tc.files {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files, err := markdownFiles(root)
			if err != nil {
				t.Fatal(err)
			}
			got := checkRepo(root, files)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %d: got %q, want it to contain %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestDocsSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Quick start", "quick-start"},
		{"Freshness and faults", "freshness-and-faults"},
		{"`GET /api/search`", "get-apisearch"},
		{"Load test: `bench/searchload`", "load-test-benchsearchload"},
		{"Seeing what was extracted: `jobcrawl extract --explain`", "seeing-what-was-extracted-jobcrawl-extract---explain"},
		{"`GET /api/sites`, `GET /api/sites/{name}`", "get-apisites-get-apisitesname"},
		{"A whole crawl of `../shared/jobsite`", "a-whole-crawl-of-sharedjobsite"},
		{"The `search:` configuration", "the-search-configuration"},
		{"snake_case and [a link](x.md)", "snake_case-and-a-link"},
		{"Ünïcode café", "ünïcode-café"},
	} {
		if got := slug(tc.heading); got != tc.want {
			t.Errorf("slug(%q): got %q, want %q", tc.heading, got, tc.want)
		}
	}
}

// markdownFiles lists the *.md files under root, slash-separated and
// relative to it, skipping version control, dependencies and data
// directories (an index, the demo's data).
func markdownFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.EqualFold(filepath.Ext(p), ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

func skipDir(name string) bool {
	switch {
	case name == ".git", name == "node_modules", name == "vendor":
		return true
	case name == "data", strings.HasPrefix(name, "data-"), strings.HasPrefix(name, "meili_data"):
		return true // data_dir and its demo twin, a Meilisearch volume
	}
	return false
}

// page is what the checks need of one Markdown file.
type page struct {
	anchors  map[string]bool
	links    []link
	problems []string // fence problems, as "line N: ..."
}

type link struct {
	line   int
	target string
}

var (
	fenceRe       = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
	atxRe         = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setextRe      = regexp.MustCompile(`^ {0,3}(?:=+|-+)[ \t]*$`)
	notParagraph  = regexp.MustCompile(`^\s*(?:$|[-*+>|#]|\d+[.)]\s)`)
	inlineLinkRe  = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	refDefRe      = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	htmlLinkRe    = regexp.MustCompile(`(?i)<[a-z][^>]*\s(?:href|src)="([^"]*)"`)
	htmlAnchorRe  = regexp.MustCompile(`(?i)<[a-z][^>]*\s(?:id|name)="([^"]*)"`)
	schemeRe      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	markdownLink  = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag       = regexp.MustCompile(`<[^>]+>`)
	codeSpanDelim = regexp.MustCompile("`+")
)

// parse reads one Markdown file: its heading anchors (GitHub's, with -1,
// -2… for repeated headings), its links outside code, and its fence
// problems.
func parse(text string) *page {
	pg := &page{anchors: map[string]bool{}}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var (
		open      bool   // inside a fenced code block
		fenceChar byte   // ` or ~
		fenceLen  int    // length of the opening fence
		fenceLine int    // where it opened
		prev      string // the previous line outside fences, for setext headings
	)
	addAnchor := func(heading string) {
		base := slug(heading)
		s := base
		for n := 1; pg.anchors[s]; n++ {
			s = fmt.Sprintf("%s-%d", base, n)
		}
		pg.anchors[s] = true
	}
	for i, line := range lines {
		n := i + 1
		if m := fenceRe.FindStringSubmatch(line); m != nil {
			char, length, info := m[1][0], len(m[1]), strings.TrimSpace(m[2])
			switch {
			case !open && char == '`' && strings.Contains(info, "`"):
				// inline code at the start of a line, not a fence
			case !open:
				open, fenceChar, fenceLen, fenceLine = true, char, length, n
				continue
			case char == fenceChar && length >= fenceLen && info == "":
				open, prev = false, ""
				continue
			case char == fenceChar && length >= fenceLen:
				// Legal Markdown (the line is code), but it is how a
				// missing closing fence shows: the block swallows what follows.
				pg.problems = append(pg.problems, fmt.Sprintf("line %d: code fence opened at line %d is still open, and this line opens another (%s): is a closing %s missing?",
					n, fenceLine, strings.TrimSpace(line), strings.Repeat(string(fenceChar), fenceLen)))
				continue
			}
		}
		if open {
			continue
		}
		switch {
		case atxRe.MatchString(line):
			addAnchor(atxRe.FindStringSubmatch(line)[1])
			prev = ""
			continue
		case setextRe.MatchString(line) && prev != "" && !notParagraph.MatchString(prev):
			addAnchor(strings.TrimSpace(prev))
			prev = ""
			continue
		}
		prev = line
		for _, m := range htmlAnchorRe.FindAllStringSubmatch(line, -1) {
			pg.anchors[m[1]] = true
		}
		code := stripCodeSpans(line)
		for _, re := range []*regexp.Regexp{inlineLinkRe, refDefRe, htmlLinkRe} {
			for _, m := range re.FindAllStringSubmatch(code, -1) {
				pg.links = append(pg.links, link{line: n, target: strings.Trim(m[1], "<>")})
			}
		}
	}
	if open {
		pg.problems = append(pg.problems, fmt.Sprintf("line %d: code fence %s is never closed (everything after it renders as code)",
			fenceLine, strings.Repeat(string(fenceChar), fenceLen)))
	}
	return pg
}

// stripCodeSpans blanks `code spans` out of a line, so that what looks like
// a link inside one is not taken for a link.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for {
		loc := codeSpanDelim.FindStringIndex(line)
		if loc == nil {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:loc[0]])
		delim := line[loc[0]:loc[1]]
		rest := line[loc[1]:]
		end := closingDelim(rest, len(delim))
		if end < 0 { // an unmatched run of backticks is literal text
			b.WriteString(delim)
			line = rest
			continue
		}
		b.WriteString(" ")
		line = rest[end+len(delim):]
	}
}

// closingDelim finds a run of exactly n backticks in s.
func closingDelim(s string, n int) int {
	for _, loc := range codeSpanDelim.FindAllStringIndex(s, -1) {
		if loc[1]-loc[0] == n {
			return loc[0]
		}
	}
	return -1
}

// slug is GitHub's anchor for a heading: the rendered text lowercased, every
// character but letters, digits, '-', '_' and spaces removed, spaces turned
// into '-'. (GitHub also drops the markup of _emphasis_; headings here use
// none, and a literal snake_case keeps its '_'.)
func slug(heading string) string {
	text := markdownLink.ReplaceAllString(heading, "$1")
	text = htmlTag.ReplaceAllString(text, "")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkRepo checks the Markdown files (relative to root) and returns each
// problem as "file:line: what".
func checkRepo(root string, files []string) []string {
	pages := map[string]*page{}
	load := func(rel string) (*page, error) {
		if pg, ok := pages[rel]; ok {
			return pg, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		pg := parse(string(b))
		pages[rel] = pg
		return pg, nil
	}
	var problems []string
	for _, file := range files {
		pg, err := load(file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, p := range pg.problems {
			problems = append(problems, file+":"+strings.TrimPrefix(p, "line "))
		}
		for _, l := range pg.links {
			if why := checkLink(root, file, l.target, load); why != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: broken link %s: %s", file, l.line, l.target, why))
			}
		}
	}
	return problems
}

// checkLink says what is wrong with one link of file, or "".
func checkLink(root, file, target string, load func(string) (*page, error)) string {
	if target == "" {
		return "empty target"
	}
	if schemeRe.MatchString(target) || strings.HasPrefix(target, "//") {
		return "" // external: not fetched
	}
	ref, anchor, _ := strings.Cut(target, "#")
	ref, _, _ = strings.Cut(ref, "?")
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	if a, err := url.PathUnescape(anchor); err == nil {
		anchor = a
	}
	rel := file
	if ref != "" {
		if strings.HasPrefix(ref, "/") { // GitHub reads these from the repository's top
			rel = path.Clean(strings.TrimPrefix(ref, "/"))
		} else {
			rel = path.Join(path.Dir(file), ref)
		}
		if rel == ".." || strings.HasPrefix(rel, "../") {
			return "outside the repository"
		}
		info, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return "no such file"
		}
		if info.IsDir() {
			if anchor != "" {
				return "an anchor on a directory"
			}
			return ""
		}
	}
	if anchor == "" || !strings.EqualFold(path.Ext(rel), ".md") {
		return "" // anchors into source files are line numbers, not checked
	}
	pg, err := load(rel)
	if err != nil {
		return err.Error()
	}
	if !pg.anchors[anchor] {
		return fmt.Sprintf("%s has no heading with anchor #%s", rel, anchor)
	}
	return ""
}
