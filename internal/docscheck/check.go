package docscheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// kitImports maps the import names the docs use to the package directories
// under the repository root. kit/transport/http and kit/transport/grpc are
// written kithttp and kitgrpc, so that http. and grpc. keep meaning net/http
// and grpc-go.
var kitImports = map[string]string{
	"endpoint":       "kit/endpoint",
	"transport":      "kit/transport",
	"kithttp":        "kit/transport/http",
	"kitgrpc":        "kit/transport/grpc",
	"kitthrift":      "kit/transport/thrift",
	"logging":        "kit/logging",
	"metrics":        "kit/metrics",
	"circuitbreaker": "kit/circuitbreaker",
	"ratelimit":      "kit/ratelimit",
	"fault":          "kit/fault",
	"tracing":        "kit/tracing",
	"basic":          "kit/auth/basic",
	"jwt":            "kit/auth/jwt",
	"introspect":     "kit/introspect",
	"schema":         "kit/introspect/schema",
	"instance":       "kit/instance",
	"sd":             "kit/sd",
	"consul":         "kit/sd/consul",
	"etcd":           "kit/sd/etcd",
	"devregistry":    "kit/sd/devregistry",
	"lb":             "kit/sd/lb",
}

// pkgNames is what a package declares at top level and what its types have.
type pkgNames struct {
	top     map[string]bool            // exported and unexported top-level names
	members map[string]map[string]bool // type name → its methods and fields
	embeds  map[string]bool            // types that embed another type
}

// loadPackage parses the non-test Go files of dir.
func loadPackage(dir string) (*pkgNames, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &pkgNames{top: map[string]bool{}, members: map[string]map[string]bool{}, embeds: map[string]bool{}}
	fset := token.NewFileSet()
	n := 0
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		n++
		p.addFile(f)
	}
	if n == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return p, nil
}

func (p *pkgNames) member(typ, name string) {
	if p.members[typ] == nil {
		p.members[typ] = map[string]bool{}
	}
	p.members[typ][name] = true
}

func (p *pkgNames) addFile(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				p.top[d.Name.Name] = true
				continue
			}
			if t := recvType(d.Recv.List[0].Type); t != "" {
				p.member(t, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					p.top[s.Name.Name] = true
					p.addType(s.Name.Name, s.Type)
				case *ast.ValueSpec:
					for _, id := range s.Names {
						p.top[id.Name] = true
					}
				}
			}
		}
	}
}

// addType records the fields of a struct and the methods of an interface.
func (p *pkgNames) addType(name string, t ast.Expr) {
	var fields *ast.FieldList
	switch t := t.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	default:
		return
	}
	for _, f := range fields.List {
		if len(f.Names) == 0 {
			p.embeds[name] = true
			continue
		}
		for _, id := range f.Names {
			p.member(name, id.Name)
		}
	}
}

// recvType returns the type name of a method receiver: T for T, *T, T[P].
func recvType(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// identRE finds pkg.Name and pkg.Name.Member: an identifier that is not
// itself a selector (no '.' or word character before it), then one or two
// selectors, the first exported.
var identRE = regexp.MustCompile(`(?:^|[^\w.])([a-z][a-z0-9]*)\.([A-Z]\w*)(?:\.([A-Za-z_]\w*))?`)

// identProblems returns one message per pkg.Name in text that names
// nothing in the kit package it refers to. pkgs maps import names to
// parsed packages; other import names are ignored.
func identProblems(file, text string, pkgs map[string]*pkgNames) []string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		for _, m := range identRE.FindAllStringSubmatch(line, -1) {
			alias, name, mem := m[1], m[2], m[3]
			p, ok := pkgs[alias]
			if !ok {
				continue
			}
			if !p.top[name] {
				out = append(out, fmt.Sprintf("%s:%d: %s.%s: no such name in %s", file, i+1, alias, name, kitImports[alias]))
				continue
			}
			if mem == "" || !unicode.IsUpper(rune(mem[0])) || p.embeds[name] {
				continue // a lower-case word after a sentence's dot, or a promoted member
			}
			if ms := p.members[name]; ms != nil && !ms[mem] {
				out = append(out, fmt.Sprintf("%s:%d: %s.%s.%s: %s has no method or field %s", file, i+1, alias, name, mem, name, mem))
			}
		}
	}
	return out
}

// mdFile is a Markdown file split into what links may appear in.
type mdFile struct {
	prose    []string // lines outside fenced code blocks, inline code removed
	headings []string // heading texts, in order
	blocks   []codeBlock
}

// codeBlock is a fenced code block.
type codeBlock struct {
	lang  string
	line  int // line number of the opening fence
	lines []string
}

var inlineCode = regexp.MustCompile("`[^`]*`")

func parseMarkdown(text string) mdFile {
	var md mdFile
	var cur *codeBlock
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		trim := strings.TrimSpace(line)
		if cur != nil {
			if strings.HasPrefix(trim, fence) && strings.Trim(trim, fence[:1]) == "" {
				md.blocks = append(md.blocks, *cur)
				cur = nil
				md.prose = append(md.prose, "")
				continue
			}
			cur.lines = append(cur.lines, line)
			md.prose = append(md.prose, "")
			continue
		}
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			n := len(trim) - len(strings.TrimLeft(trim, trim[:1]))
			fence = trim[:n]
			cur = &codeBlock{lang: strings.TrimSpace(trim[n:]), line: i + 1}
			md.prose = append(md.prose, "")
			continue
		}
		if strings.HasPrefix(trim, "#") {
			h := strings.TrimLeft(trim, "#")
			if h == "" || h[0] == ' ' {
				md.headings = append(md.headings, strings.TrimSpace(h))
			}
		}
		md.prose = append(md.prose, inlineCode.ReplaceAllString(line, ""))
	}
	if cur != nil { // an unclosed fence runs to the end of the file
		md.blocks = append(md.blocks, *cur)
	}
	return md
}

var (
	linkRE   = regexp.MustCompile(`\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	refDefRE = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$`)
	schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	mdLinkRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	slugDrop = regexp.MustCompile(`[^\p{L}\p{N}\p{M}\p{Pc} -]`)
)

// links returns the link targets in md's prose with their line numbers.
func (md mdFile) links() (targets []string, lines []int) {
	for i, l := range md.prose {
		for _, m := range linkRE.FindAllStringSubmatch(l, -1) {
			targets, lines = append(targets, m[1]), append(lines, i+1)
		}
		if m := refDefRE.FindStringSubmatch(l); m != nil {
			targets, lines = append(targets, m[1]), append(lines, i+1)
		}
	}
	return targets, lines
}

// slugs returns the anchors GitHub gives md's headings.
func (md mdFile) slugs() map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, h := range md.headings {
		h = mdLinkRE.ReplaceAllString(h, "$1")
		h = strings.NewReplacer("`", "", "*", "").Replace(h)
		s := strings.ReplaceAll(slugDrop.ReplaceAllString(strings.ToLower(h), ""), " ", "-")
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// linkProblems checks every relative link of md, the Markdown file at path
// (slash-separated, relative to root): the file or directory it names must
// exist, and a fragment into a Markdown file must be one of its headings'
// anchors. Links with a scheme (https:, mailto:) are not followed.
func linkProblems(root, path string, md mdFile) []string {
	var out []string
	targets, lines := md.links()
	for i, t := range targets {
		if t == "" || schemeRE.MatchString(t) || strings.HasPrefix(t, "//") {
			continue
		}
		target, frag, _ := strings.Cut(t, "#")
		dest := path
		if target != "" {
			dest = filepath.ToSlash(filepath.Join(filepath.Dir(path), target))
		}
		where := fmt.Sprintf("%s:%d: link %q", path, lines[i], t)
		st, err := os.Stat(filepath.Join(root, dest))
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %s does not exist", where, dest))
			continue
		}
		if frag == "" || st.IsDir() || !strings.HasSuffix(dest, ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, dest))
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		if !parseMarkdown(string(b)).slugs()[frag] {
			out = append(out, fmt.Sprintf("%s: %s has no heading with anchor #%s", where, dest, frag))
		}
	}
	return out
}

// excerptProblems checks the Go code blocks of md that open with a comment
// naming a file under root: each line of the block, apart from empty lines
// and lines holding an elision ("…"), must be a line of that file (leading
// and trailing space ignored).
func excerptProblems(root, path string, md mdFile) []string {
	var out []string
	for _, b := range md.blocks {
		if b.lang != "go" || len(b.lines) == 0 {
			continue
		}
		src, ok := strings.CutPrefix(strings.TrimSpace(b.lines[0]), "// ")
		if !ok || !strings.HasSuffix(src, ".go") || strings.ContainsAny(src, " \t") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, src))
		if err != nil {
			out = append(out, fmt.Sprintf("%s:%d: excerpt of %s: %v", path, b.line, src, err))
			continue
		}
		have := map[string]bool{}
		for _, l := range strings.Split(string(data), "\n") {
			have[strings.TrimSpace(l)] = true
		}
		for j, l := range b.lines[1:] {
			l = strings.TrimSpace(l)
			if l == "" || strings.Contains(l, "…") || have[l] {
				continue
			}
			out = append(out, fmt.Sprintf("%s:%d: excerpt line not in %s: %s", path, b.line+2+j, src, l))
		}
	}
	return out
}

// guideSections returns the kit package directories that have no heading
// in the guide: "kit/sd", or "kit/transport: the error vocabulary".
func guideSections(pkgDirs []string, md mdFile) []string {
	have := map[string]bool{}
	for _, h := range md.headings {
		h = strings.Trim(h, "` ")
		if i := strings.IndexAny(h, ": "); i > 0 {
			h = strings.TrimRight(h[:i], "`")
		}
		have[h] = true
	}
	var missing []string
	for _, d := range pkgDirs {
		if !have[d] {
			missing = append(missing, d)
		}
	}
	sort.Strings(missing)
	return missing
}
