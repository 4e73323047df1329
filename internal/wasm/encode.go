package wasm

// Encode writes the module in the binary format. Sections that were not modified are
// copied byte for byte from the input; modified ones are re-encoded in minimal form. Custom
// sections keep their position relative to the known sections.
func (m *Module) Encode() []byte {
	size := 8
	for _, r := range m.raw {
		size += len(r) + 6
	}
	out := make([]byte, 0, size+size/4)
	out = append(out, wasmMagic...)
	out = m.appendCustoms(out, 0)
	for _, id := range []byte{SecType, SecImport, SecFunction, SecTable, SecMemory, SecGlobal,
		SecExport, SecStart, SecElement, SecDataCount, SecCode, SecData} {
		if !m.present[id] {
			continue
		}
		var payload []byte
		switch {
		case !m.dirty[id] && m.raw[id] != nil:
			payload = m.raw[id]
		case id == SecCode:
			payload = m.encodeCode()
		default:
			payload = m.encodeSection(id)
		}
		out = appendSection(out, id, payload)
		out = m.appendCustoms(out, id)
	}
	return out
}

func (m *Module) appendCustoms(out []byte, after byte) []byte {
	for _, c := range m.Customs {
		if c.After == after {
			out = appendSection(out, SecCustom, c.Raw)
		}
	}
	return out
}

func (m *Module) encodeSection(id byte) []byte {
	var b []byte
	switch id {
	case SecType:
		b = appendU32(b, uint32(len(m.Types)))
		for _, t := range m.Types {
			b = append(b, 0x60)
			b = appendValTypes(b, t.Params)
			b = appendValTypes(b, t.Results)
		}
	case SecImport:
		b = appendU32(b, uint32(len(m.Imports)))
		for i := range m.Imports {
			b = appendImport(b, &m.Imports[i])
		}
	case SecFunction:
		b = appendU32(b, uint32(len(m.Funcs)))
		for _, f := range m.Funcs {
			b = appendU32(b, f)
		}
	case SecTable:
		b = appendU32(b, uint32(len(m.Tables)))
		for _, t := range m.Tables {
			b = appendTableType(b, t)
		}
	case SecMemory:
		b = appendU32(b, uint32(len(m.Memories)))
		for _, l := range m.Memories {
			b = appendLimits(b, l)
		}
	case SecGlobal:
		b = appendU32(b, uint32(len(m.Globals)))
		for _, g := range m.Globals {
			b = appendGlobalType(b, g.Type)
			b = appendExpr(b, g.Init)
		}
	case SecExport:
		b = appendU32(b, uint32(len(m.Exports)))
		for _, e := range m.Exports {
			b = appendName(b, e.Name)
			b = append(b, e.Kind)
			b = appendU32(b, e.Index)
		}
	case SecStart:
		if m.Start != nil {
			b = appendU32(b, *m.Start)
		}
	case SecElement:
		b = appendU32(b, uint32(len(m.Elements)))
		for i := range m.Elements {
			b = appendElement(b, &m.Elements[i])
		}
	case SecDataCount:
		if m.DataCount != nil {
			b = appendU32(b, *m.DataCount)
		}
	case SecCode:
		b = m.encodeCode()
	case SecData:
		b = appendU32(b, uint32(len(m.Data)))
		for _, d := range m.Data {
			switch {
			case d.Mode == ModePassive:
				b = append(b, 1)
			case d.Memory != 0:
				b = append(b, 2)
				b = appendU32(b, d.Memory)
				b = appendExpr(b, d.Offset)
			default:
				b = append(b, 0)
				b = appendExpr(b, d.Offset)
			}
			b = appendU32(b, uint32(len(d.Init)))
			b = append(b, d.Init...)
		}
	}
	return b
}

func (m *Module) encodeCode() []byte {
	var b []byte
	b = appendU32(b, uint32(len(m.Code)))
	var entry []byte
	for i := range m.Code {
		if i < len(m.codeRaw) && (i >= len(m.codeDirty) || !m.codeDirty[i]) && m.codeRaw[i] != nil {
			b = appendU32(b, uint32(len(m.codeRaw[i])))
			b = append(b, m.codeRaw[i]...)
			continue
		}
		entry = appendBody(entry[:0], &m.Code[i])
		b = appendU32(b, uint32(len(entry)))
		b = append(b, entry...)
	}
	return b
}

func appendBody(b []byte, c *Code) []byte {
	b = appendU32(b, uint32(len(c.Locals)))
	for _, l := range c.Locals {
		b = appendU32(b, l.Count)
		b = append(b, byte(l.Type))
	}
	for i := range c.Body {
		b = appendInstr(b, &c.Body[i])
	}
	return b
}

func appendValTypes(b []byte, ts []ValType) []byte {
	b = appendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func appendLimits(b []byte, l Limits) []byte {
	if l.HasMax {
		b = append(b, 1)
		b = appendU64(b, l.Min)
		return appendU64(b, l.Max)
	}
	b = append(b, 0)
	return appendU64(b, l.Min)
}

func appendTableType(b []byte, t TableType) []byte {
	return appendLimits(append(b, byte(t.Elem)), t.Limits)
}

func appendGlobalType(b []byte, g GlobalType) []byte {
	mut := byte(0)
	if g.Mutable {
		mut = 1
	}
	return append(b, byte(g.Type), mut)
}

func appendImport(b []byte, im *Import) []byte {
	b = appendName(b, im.Module)
	b = appendName(b, im.Name)
	b = append(b, im.Kind)
	switch im.Kind {
	case KindFunc:
		b = appendU32(b, im.TypeIdx)
	case KindTable:
		b = appendTableType(b, im.Table)
	case KindMemory:
		b = appendLimits(b, im.Memory)
	case KindGlobal:
		b = appendGlobalType(b, im.Global)
	}
	return b
}

func appendExpr(b []byte, e ConstExpr) []byte {
	for i := range e {
		b = appendInstr(b, &e[i])
	}
	return b
}

func appendElement(b []byte, e *Element) []byte {
	// Keep the segment's original flags: they fix the encoding of everything that follows.
	flags := e.flags
	b = appendU32(b, flags)
	if e.Mode == ModeActive && flags&2 != 0 {
		b = appendU32(b, e.Table)
	}
	if e.Mode == ModeActive {
		b = appendExpr(b, e.Offset)
	}
	if flags&3 != 0 {
		if e.UsesExprs {
			b = append(b, byte(e.Type))
		} else {
			b = append(b, 0)
		}
	}
	if e.UsesExprs {
		b = appendU32(b, uint32(len(e.Exprs)))
		for _, x := range e.Exprs {
			b = appendExpr(b, x)
		}
		return b
	}
	b = appendU32(b, uint32(len(e.Funcs)))
	for _, f := range e.Funcs {
		b = appendU32(b, f)
	}
	return b
}
