package source

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// node is an element of a small in-memory XML tree. TED and eForms documents come in many
// variants (forms F01–F25, T01/T02, defence, SDK versions); looking elements up by local
// name in a tree is sturdier across them than one struct mapping per schema.
type node struct {
	name  string // local name; namespaces differ between versions and are not needed
	attrs []xml.Attr
	kids  []*node
	text  string // character data inside this element, inline markup included
}

// inlineTags are formatting elements inside TED text (<FT TYPE="SUP">ère</FT>): their text
// is merged into the parent's, in place, and they are not kept as nodes.
var inlineTags = map[string]bool{"FT": true, "SUP": true, "SUB": true, "B": true, "I": true, "U": true, "sup": true, "sub": true, "b": true, "i": true, "em": true, "strong": true, "span": true}

// maxDepth bounds nesting: a hostile document must not exhaust the stack of the walkers.
const maxDepth = 256

// parseXMLTree reads a whole document into a tree.
func parseXMLTree(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = charset.NewReaderLabel
	var stack []*node
	var root *node
	var text [][]byte // character data of each open element
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxDepth)
			}
			n := &node{name: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				if !inlineTags[n.name] {
					p.kids = append(p.kids, n)
				}
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
			text = append(text, nil)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("unbalanced end element")
			}
			n := stack[len(stack)-1]
			n.text = string(text[len(text)-1])
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
			if inlineTags[n.name] && len(text) > 0 {
				text[len(text)-1] = append(text[len(text)-1], n.text...)
			}
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1] = append(text[len(text)-1], t...)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("document ends inside <%s>", stack[len(stack)-1].name)
	}
	return root, nil
}

func (n *node) attr(name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// child returns the first direct child with one of the names, or nil.
func (n *node) child(names ...string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		for _, name := range names {
			if k.name == name {
				return k
			}
		}
	}
	return nil
}

// children returns every direct child with the name.
func (n *node) children(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// path follows direct children by name: n.path("A", "B") is n/A/B.
func (n *node) path(names ...string) *node {
	for _, name := range names {
		n = n.child(name)
	}
	return n
}

// find returns the first descendant (depth first, document order) with one of the names.
func (n *node) find(names ...string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		for _, name := range names {
			if k.name == name {
				return k
			}
		}
		if f := k.find(names...); f != nil {
			return f
		}
	}
	return nil
}

// walk calls fn on every descendant in document order; fn returns false to skip the
// descendant's own children.
func (n *node) walk(fn func(*node) bool) {
	if n == nil {
		return
	}
	for _, k := range n.kids {
		if fn(k) {
			k.walk(fn)
		}
	}
}

// value is the trimmed text of n itself.
func (n *node) value() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// paragraphs returns the text of n and its descendants, one line per <P> (TED's
// paragraph element) and other block, inline elements joined with their surroundings.
func (n *node) paragraphs() string {
	if n == nil {
		return ""
	}
	var lines []string
	var collect func(*node)
	collect = func(k *node) {
		if len(k.kids) == 0 {
			if s := oneLine(k.text); s != "" {
				lines = append(lines, s)
			}
			return
		}
		// An element with element children: if they are paragraphs, one line each;
		// otherwise (inline markup) the whole text is one line.
		block := false
		for _, c := range k.kids {
			if c.name == "P" || c.name == "p" || len(c.kids) > 0 {
				block = true
				break
			}
		}
		if !block {
			if s := oneLine(k.deepText()); s != "" {
				lines = append(lines, s)
			}
			return
		}
		if s := oneLine(k.text); s != "" {
			lines = append(lines, s)
		}
		for _, c := range k.kids {
			collect(c)
		}
	}
	collect(n)
	return strings.Join(lines, "\n")
}

// deepText is the text of n and every descendant, in document order as far as the tree
// keeps it (a parent's own text first).
func (n *node) deepText() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(n.text)
	for _, k := range n.kids {
		b.WriteByte(' ')
		b.WriteString(k.deepText())
	}
	return b.String()
}

// elems returns n's child elements; none for a nil node.
func (n *node) elems() []*node {
	if n == nil {
		return nil
	}
	return n.kids
}
