package trace

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxBytesShown is how many bytes of a byte string the text shows before eliding.
const maxBytesShown = 64

// WriteText writes a call tree for people: one line per call (addresses, actor kind and
// version, method name, exit code, gas), then its decoded params and return, its EVM calldata,
// its gas charges summed by name, and its subcalls indented below it.
func WriteText(w io.Writer, c *Call) error {
	tw := &textWriter{w: w}
	tw.call(c, 0, "")
	return tw.err
}

// WriteEventsText writes decoded events for people, one per entry group.
func WriteEventsText(w io.Writer, evs []Event) error {
	tw := &textWriter{w: w}
	for i, e := range evs {
		tw.line(0, "event %d from f0%d", i, e.Emitter)
		if e.EVM != nil {
			topics := make([]string, len(e.EVM.Topics))
			for j, t := range e.EVM.Topics {
				topics[j] = t.String()
			}
			tw.line(1, "EVM log topics [%s]", strings.Join(topics, ", "))
			tw.line(1, "data %s", shortBytes(e.EVM.Data))
			continue
		}
		for _, en := range e.Entries {
			tw.value(1, en.Key, en.Value)
		}
	}
	return tw.err
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) line(depth int, format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
}

func (t *textWriter) call(c *Call, depth int, mark string) {
	actor := "no actor ran"
	if a := c.Actor; a != nil {
		var parts []string
		if c.To.String() != fmt.Sprintf("f0%d", a.ID) {
			parts = append(parts, fmt.Sprintf("f0%d", a.ID))
		}
		if a.Kind != "" {
			parts = append(parts, fmt.Sprintf("%s v%d", a.Kind, a.Version))
		} else {
			parts = append(parts, "code "+a.Code.String())
		}
		actor = strings.Join(parts, " ")
	}
	head := fmt.Sprintf("%s → %s (%s) %s", c.From, c.To, actor, c.methodLabel())
	if !c.Value.NilOrZero() {
		head += fmt.Sprintf(" value %s", c.Value)
	}
	if c.ReadOnly {
		head += " read-only"
	}
	t.line(depth, "%s%s: exit %d, gas %d (own %d)", mark, head, c.ExitCode, c.Gas.Total, c.Gas.Own)
	t.value(depth+1, "params", c.Params)
	if e := c.EVM; e != nil {
		t.line(depth+1, "evm selector %s calldata %s", e.Selector, shortBytes(e.Calldata))
		if len(e.ReturnData) > 0 {
			t.line(depth+1, "evm return data %s", shortBytes(e.ReturnData))
		}
	}
	t.value(depth+1, "return", c.Return)
	if len(c.Gas.Charges) > 0 {
		t.line(depth+1, "charges: %s", chargeSummary(c.Gas.Charges))
	}
	for _, s := range c.Subcalls {
		t.call(s, depth+1, "↳ ")
	}
}

// chargeSummary sums the charges by name, in the order names first appear.
func chargeSummary(cs []Charge) string {
	type sum struct {
		gas   int64
		count int
	}
	var order []string
	sums := map[string]*sum{}
	for _, c := range cs {
		s, ok := sums[c.Name]
		if !ok {
			s = &sum{}
			sums[c.Name] = s
			order = append(order, c.Name)
		}
		s.gas += c.Total
		s.count++
	}
	parts := make([]string, len(order))
	for i, name := range order {
		s := sums[name]
		parts[i] = fmt.Sprintf("%s %d", name, s.gas)
		if s.count > 1 {
			parts[i] += fmt.Sprintf(" (×%d)", s.count)
		}
	}
	return strings.Join(parts, ", ")
}

func (t *textWriter) value(depth int, label string, v *Value) {
	if v == nil {
		return
	}
	head := label
	if v.Type != "" {
		head += " " + v.Type
	}
	if v.Error != "" {
		t.line(depth, "%s: %s (%s)", head, shortBytes(v.Raw), v.Error)
		if v.Data == nil {
			return
		}
	}
	switch d := v.Data.(type) {
	case nil:
		if v.Error == "" {
			t.line(depth, "%s: %s", head, shortBytes(v.Raw))
		}
	case Fields, []any:
		t.line(depth, "%s:", head)
		t.data(depth+1, d)
	default:
		t.line(depth, "%s: %s", head, scalar(d))
	}
}

// data writes a Fields or list tree, one scalar per line, YAML-like.
func (t *textWriter) data(depth int, d any) {
	t.dataItem(depth, "", d)
}

// dataItem is data with a prefix ("- " for a list item) before the first line.
func (t *textWriter) dataItem(depth int, prefix string, d any) {
	switch d := d.(type) {
	case Fields:
		for i, f := range d {
			p := prefix
			if i > 0 {
				p = strings.Repeat(" ", len(prefix))
			}
			if isScalar(f.Value) {
				t.line(depth, "%s%s: %s", p, f.Name, scalar(f.Value))
				continue
			}
			t.line(depth, "%s%s:", p, f.Name)
			t.data(depth+1+len(prefix)/2, f.Value)
		}
	case []any:
		if inline, ok := inlineList(d); ok {
			t.line(depth, "%s", inline)
			return
		}
		for _, item := range d {
			if isScalar(item) {
				t.line(depth, "- %s", scalar(item))
				continue
			}
			if _, ok := item.(Fields); ok {
				t.dataItem(depth, "- ", item)
				continue
			}
			t.line(depth, "-")
			t.data(depth+1, item)
		}
	default:
		t.line(depth, "%s", scalar(d))
	}
}

func isScalar(d any) bool {
	switch d := d.(type) {
	case Fields:
		return len(d) == 0
	case []any:
		_, ok := inlineList(d)
		return ok
	}
	return true
}

// inlineList renders a short list of scalars on one line.
func inlineList(items []any) (string, bool) {
	parts := make([]string, len(items))
	n := 0
	for i, item := range items {
		switch item.(type) {
		case Fields, []any:
			return "", false
		}
		parts[i] = scalar(item)
		n += len(parts[i])
	}
	if n > 100 {
		return "", false
	}
	return "[" + strings.Join(parts, ", ") + "]", true
}

func scalar(d any) string {
	switch d := d.(type) {
	case nil:
		return "null"
	case Bytes:
		return shortBytes(d)
	case string:
		if d == "" || strings.ContainsFunc(d, func(r rune) bool { return r < ' ' || r == '"' }) {
			return strconv.Quote(d)
		}
		return d
	case Fields:
		if len(d) == 0 {
			return "{}"
		}
	case []any:
		if s, ok := inlineList(d); ok {
			return s
		}
	}
	return fmt.Sprint(d)
}

// shortBytes is a byte string's hex, elided past maxBytesShown bytes.
func shortBytes(b Bytes) string {
	if len(b) <= maxBytesShown {
		return b.String()
	}
	return fmt.Sprintf("%s… (%d bytes)", Bytes(b[:maxBytesShown]), len(b))
}
