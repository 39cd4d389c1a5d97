"""A strict HTML checker for the stats page, on python3's html.parser.

html.parser only tokenizes; this module adds the rules a validator applies
to a page like 1.4's stats page and returns every problem as a Problem:
  - tag balance: an element whose end tag HTML requires (a, u, b, span,
    table, form, select, ul, h1...) must be closed explicitly and in order;
    elements whose end tag HTML makes optional (p, li, tr, td, th, option,
    head, body, html) may be closed implicitly by their parent's end or by
    a sibling, as the HTML specification allows;
  - an end tag with no open element of that name, or a void element (br,
    input, ...) given an end tag;
  - where elements may appear: td/th in a tr, tr in a table, li in a
    ul/ol, option in a select, and no block element (table, p, div, ul,
    form, h1-h6) inside an inline one (a, u, b, span, font, i);
  - attributes: none repeated in one tag, width/height/colspan/rowspan
    values that are numbers (a percentage for width/height), no two
    anchors with the same name;
  - character references: every "&" starts a known entity or a number;
  - one doctype, html, head, title and body.
A Problem carries the kind, the tag, the line and the text around it, so
that the caller can say exactly which of 1.4's quirks it tolerates.
"""

import html.entities
import html.parser
import re

VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "param"}
# end tag optional in HTML: closed by the parent's end (or a sibling, below)
OPTIONAL_END = {"p", "li", "tr", "td", "th", "option", "thead", "tbody", "tfoot",
                "head", "body", "html", "colgroup", "dt", "dd"}
# a start tag of the key closes an open element of these names first
IMPLIED_CLOSE = {
    "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"},
    "li": {"li"}, "option": {"option"}, "body": {"head"},
    "table": {"p"}, "p": {"p"}, "ul": {"p"}, "ol": {"p"}, "div": {"p"},
    "form": {"p"}, "h1": {"p"}, "h2": {"p"}, "h3": {"p"}, "h4": {"p"},
    "hr": {"p"},
}
BLOCK = {"table", "p", "div", "ul", "ol", "form", "h1", "h2", "h3", "h4", "h5", "h6",
         "tr", "td", "th", "li", "hr"}
INLINE = {"a", "u", "b", "i", "span", "font", "em", "strong", "small", "big"}
PARENTS = {"td": {"tr"}, "th": {"tr"}, "tr": {"table", "thead", "tbody", "tfoot"},
           "li": {"ul", "ol"}, "option": {"select"}}
NUMERIC = {"colspan": r"[0-9]+", "rowspan": r"[0-9]+",
           "width": r"[0-9]+%?", "height": r"[0-9]+%?"}
ONCE = ("html", "head", "title", "body")


class Problem:
    def __init__(self, kind, tag, line, context, detail=""):
        self.kind, self.tag, self.line = kind, tag, line
        self.context, self.detail = context, detail

    def key(self):
        return "%s <%s>" % (self.kind, self.tag)

    def __repr__(self):
        return "line %d: %s%s near %r" % (self.line, self.key(),
                                         (" " + self.detail) if self.detail else "",
                                         self.context)


class _Open:
    def __init__(self, tag, line, offset):
        self.tag, self.line, self.offset = tag, line, offset


class Checker(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.lines = text.split("\n")
        self.stack = []
        self.problems = []
        self.counts = {}
        self.anchors = set()
        self.doctypes = 0

    # -- helpers --------------------------------------------------------
    def _offset(self):
        line, col = self.getpos()
        return sum(len(ln) + 1 for ln in self.lines[:line - 1]) + col

    def _context(self, offset, before=60, after=60):
        return self.text[max(0, offset - before):offset + after]

    def _report(self, kind, tag, offset=None, detail="", at=None):
        offset = self._offset() if offset is None else offset
        line = at.line if at else self.getpos()[0]
        self.problems.append(Problem(kind, tag, line, self._context(offset), detail))

    def _close_to(self, idx, by):
        """Pops the stack down to idx (exclusive of what stays); elements
        with a required end tag closed this way are reported."""
        while len(self.stack) > idx:
            el = self.stack.pop()
            if el.tag not in OPTIONAL_END:
                self._report("unclosed", el.tag, el.offset, "closed by " + by, at=el)

    # -- parser callbacks -----------------------------------------------
    def handle_decl(self, decl):
        if decl.lower().startswith("doctype"):
            self.doctypes += 1

    def handle_starttag(self, tag, attrs):
        self._check_attrs(tag, attrs)
        closes = IMPLIED_CLOSE.get(tag, set())
        # a sibling closes the open one of its kind, within the same table/list
        for i in range(len(self.stack) - 1, -1, -1):
            t = self.stack[i].tag
            if t in closes:
                self._close_to(i, "<%s>" % tag)
                break
            if t in ("table", "ul", "ol", "select") or t not in OPTIONAL_END:
                break
        if tag in BLOCK:
            inl = [e.tag for e in self.stack if e.tag in INLINE]
            if inl:
                self._report("block-in-inline", tag, detail="inside <%s>" % inl[-1])
        if tag in PARENTS:
            parent = self.stack[-1].tag if self.stack else None
            if parent not in PARENTS[tag]:
                self._report("misplaced", tag, detail="in <%s>" % parent)
        if tag in ONCE:
            self.counts[tag] = self.counts.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(_Open(tag, self.getpos()[0], self._offset()))

    def handle_startendtag(self, tag, attrs):
        self._check_attrs(tag, attrs)
        if tag not in VOID:
            self._report("self-closed", tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            self._report("void-end-tag", tag)
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                self._close_to(i + 1, "</%s>" % tag)
                self.stack.pop()
                return
        self._report("stray-end-tag", tag)

    def handle_entityref(self, name):
        if name not in html.entities.name2codepoint:
            self._report("unknown-entity", "&" + name)

    def _check_attrs(self, tag, attrs):
        seen = set()
        for name, value in attrs:
            if name in seen:
                self._report("duplicate-attribute", tag, detail=name)
            seen.add(name)
            pat = NUMERIC.get(name)
            if pat and (value is None or not re.fullmatch(pat, value)):
                self._report("bad-attribute-value", tag, detail="%s=%r" % (name, value))
        if tag == "a":
            name = dict(attrs).get("name")
            if name is not None:
                if name in self.anchors:
                    self._report("duplicate-anchor", tag, detail=name)
                self.anchors.add(name)

    def finish(self):
        self.close()
        self._close_to(0, "end of document")
        if self.doctypes != 1:
            self.problems.append(Problem("doctype-count", "!doctype", 1, "",
                                         str(self.doctypes)))
        for tag in ONCE:
            if self.counts.get(tag, 0) != 1:
                self.problems.append(Problem("count", tag, 1, "", str(self.counts.get(tag, 0))))
        # a bare "&" (html.parser passes it on as text)
        for m in re.finditer(r"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)", self.text):
            line = self.text.count("\n", 0, m.start()) + 1
            self.problems.append(Problem("bare-ampersand", "&", line,
                                         self._context(m.start())))
        return self.problems


def check(text):
    """Every problem found in the page `text`."""
    c = Checker(text)
    c.feed(text)
    return c.finish()
