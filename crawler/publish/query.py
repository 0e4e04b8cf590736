"""Turn what a journalist typed into an FTS5 MATCH expression. Pure.

The query language (the search page documents it in Vietnamese and English):
- words: every word must appear (headline, lead, text or byline);
- "a phrase": its words next to each other, in this order;
- `a OR b` (also `a hoặc b`): either. OR joins the word, phrase or group on each side of
  it, as in web search: `BHXH OR "bảo hiểm xã hội" Hà Tĩnh` is (BHXH or the phrase) and Hà Tĩnh;
- `-word`, `-"a phrase"`, `NOT word`: articles that have it are left out;
- `( … )`: grouping;
- `đoàn*`: words that begin so;
- `tiêu đề:` / `title:` and `tác giả:` / `author:`: the next word, phrase or group, in the
  headline or the byline only;
- `NEAR(a b, 5)`: the words within 5 words of each other (10 without a number).

Diacritics, word by word. Mode "auto": a word typed without them matches with or without
them (the folded columns), a word typed with them stays exact (the original columns); a
phrase mixing both matches its folded form, and its accented words exactly. "exact" keeps
every word exact; "fold" ignores the query's accents too. Union abbreviations expand both
ways ("LĐLĐ" ↔ "Liên đoàn Lao động"), for words typed bare and for a quoted phrase that is
the abbreviation or its expansion.

Nothing typed can make FTS5 fail or run long: every word reaches it quoted, operators are
rebuilt from the parsed tree, at most MAX_WORDS words and MAX_DEPTH nested groups are read,
and what cannot be read is dropped with a note in both languages (`Query.notes`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from crawler.sites.glossary import GLOSSARY
from crawler.text import clean_text, fold

MODES = ("auto", "exact", "fold")
NEVER_MATCHES = '"\u2063"'  # a MATCH expression for a query with no word: matches nothing, never fails
MAX_WORDS = 30
MAX_DEPTH = 6
MAX_LENGTH = 4000  # characters read of a query; the word limit is reached long before
NEAR_DISTANCE = 10
MAX_NEAR_DISTANCE = 100
ORIGINAL_COLUMNS = "{title lead body author}"
FOLDED_COLUMNS = "{title_folded lead_folded body_folded author_folded}"
FIELD_COLUMNS = {"title": "{title title_folded}", "author": "{author author_folded}"}
HEADLINE_COLUMNS = FIELD_COLUMNS["title"]

_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(
    r"""(?P<field>(?i:tiêu\s*đề|tieu\s*de|title|tác\s*giả|tac\s*gia|author)\s*:)
      | (?P<near>NEAR\s*\()
      | (?P<quote>")
      | (?P<open>\()
      | (?P<close>\))
      | (?P<minus>-(?=["(\w]))
      | (?P<word>\w+(?:[-'’.·/]\w+)*\*?)
      | (?P<other>\S)""",
    re.VERBOSE,
)
_FIELDS = {"tieu de": "title", "title": "title", "tac gia": "author", "author": "author"}
_OR_WORDS = frozenset({"OR", "hoặc", "Hoặc", "HOẶC"})
_ABBREVIATIONS = {fold(term.abbreviation): term for term in GLOSSARY}
_EXPANSIONS = sorted(
    ((tuple(_WORD.findall(fold(term.expansion))), term) for term in GLOSSARY), key=lambda item: -len(item[0])
)  # longest phrase first


class Phrase(NamedTuple):
    """Words that must follow each other; `accented`: match them with their accents;
    `prefix`: the last word may go on (đoàn* finds đoàn and đoànviên)."""

    words: tuple[str, ...]
    accented: bool
    prefix: bool = False


Term = tuple[Phrase, ...]  # alternatives: any one of them matches


@dataclass(frozen=True)
class Leaf:
    """A word or a phrase, lower-case, accents as typed."""

    words: tuple[str, ...]
    prefix: bool = False
    quoted: bool = False


@dataclass(frozen=True)
class Node:
    """and / or / not / near (arg: distance) / field (arg: title or author)."""

    op: str
    items: tuple[Node | Leaf, ...]
    arg: str | int | None = None


@dataclass
class Query:
    """A parsed query: its tree (None when nothing can be searched for) and what was dropped."""

    tree: Node | None
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The notes as one line for the search page, or ""."""
        return " ".join(dict.fromkeys(self.notes))


NOTES = {
    "or": "«OR» không có gì ở một bên nên bị bỏ qua · A lone OR was ignored.",
    "not": "«NOT» hay «-» không có từ theo sau nên bị bỏ qua · A NOT or - with nothing after it was ignored.",
    "negative-or": "Không thể loại trừ bên trong OR; phần đó bị bỏ qua · An exclusion inside OR cannot be "
    "searched and was ignored.",
    "only-not": "Cần ít nhất một từ để tìm, ngoài các từ loại trừ · Give at least one word to look for, "
    "besides the excluded ones.",
    "words": f"Chỉ {MAX_WORDS} từ đầu được dùng · Only the first {MAX_WORDS} words were used.",
    "depth": f"Chỉ {MAX_DEPTH} tầng ngoặc được đọc · Only {MAX_DEPTH} levels of brackets are read.",
    "field": "«tiêu đề:» hay «tác giả:» không có từ theo sau nên bị bỏ qua · A field with nothing after it was ignored.",
}


class _Token(NamedTuple):
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    while True:
        match = _TOKEN.search(text, position)
        if match is None:
            return out
        kind = match.lastgroup or "other"
        position = match.end()
        if kind == "quote":  # a phrase runs to the next quote, or to the end
            close = text.find('"', position)
            inside = text[position:] if close < 0 else text[position:close]
            position = len(text) if close < 0 else close + 1
            out.append(_Token("phrase", inside))
        elif kind == "word" and match.group() in _OR_WORDS:
            out.append(_Token("or", match.group()))
        elif kind == "word" and match.group() in ("NOT", "AND"):
            out.append(_Token("not" if match.group() == "NOT" else "other", match.group()))
        else:
            out.append(_Token(kind, match.group()))


class _Parser:
    def __init__(self, tokens: list[_Token], notes: list[str]) -> None:
        self.tokens, self.at, self.notes, self.words = tokens, 0, notes, 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        self.at += 1
        return self.tokens[self.at - 1]

    def sequence(self, depth: int, closing: bool = False) -> list[Node | Leaf]:
        items: list[Node | Leaf] = []
        while (token := self.peek()) is not None:
            if token.kind == "close":
                self.take()
                if closing:
                    return items
                continue  # a stray ")" closes nothing
            if token.kind == "or":
                self.take()
                following = self.peek()
                right = self.unit(depth) if following is not None and following.kind not in ("or", "close") else None
                if not items or right is None:
                    self.notes.append(NOTES["or"])
                    if right is not None:
                        items.append(right)
                    continue
                items[-1] = _either(items[-1], right, self.notes)
                continue
            unit = self.unit(depth)
            if unit is not None:
                items.append(unit)
        return items

    def unit(self, depth: int) -> Node | Leaf | None:
        token = self.peek()
        if token is not None and token.kind in ("minus", "not"):
            self.take()
            following = self.peek()
            inner = self.atom(depth) if following is not None and following.kind not in ("or", "close") else None
            if inner is None:
                self.notes.append(NOTES["not"])
                return None
            return Node("not", (inner,))
        return self.atom(depth)

    def atom(self, depth: int) -> Node | Leaf | None:
        token = self.take()
        if token.kind == "field":
            name = _FIELDS[" ".join(fold(token.text.rstrip(":")).split())]
            following = self.peek()
            inner = self.atom(depth) if following is not None and following.kind not in ("or", "close") else None
            if inner is None:
                self.notes.append(NOTES["field"])
                return None
            return Node("field", (inner,), name)
        if token.kind == "open":
            if depth >= MAX_DEPTH:
                self.notes.append(NOTES["depth"])
                return None
            items = self.sequence(depth + 1, closing=True)
            return _all(items)
        if token.kind == "near":
            return self.near()
        if token.kind in ("word", "phrase"):
            return self.leaf(token.text, quoted=token.kind == "phrase")
        return None  # punctuation, FTS5 syntax (^, {col}:, NEAR/3): separators

    def near(self) -> Node | Leaf | None:
        """NEAR(a b "c d", N): the words and phrases within N words of each other."""
        leaves: list[Leaf] = []
        distance, after_comma = NEAR_DISTANCE, False
        while (token := self.peek()) is not None and token.kind != "close":
            self.take()
            if token.text == ",":
                after_comma = True
            elif after_comma and token.text.isdigit():
                distance = min(int(token.text), MAX_NEAR_DISTANCE)
            elif token.kind in ("word", "phrase") and (leaf := self.leaf(token.text, token.kind == "phrase")):
                leaves.append(leaf)
        if self.peek() is not None:
            self.take()  # its ")"
        if len(leaves) < 2:
            return leaves[0] if leaves else None
        return Node("near", tuple(leaves), distance)

    def leaf(self, text: str, quoted: bool) -> Leaf | None:
        words = tuple(word.lower() for word in _WORD.findall(text))
        if not words:
            return None
        if self.words + len(words) > MAX_WORDS:
            self.notes.append(NOTES["words"])
            words = words[: MAX_WORDS - self.words]
            if not words:
                return None
        self.words += len(words)
        return Leaf(words, prefix=text.rstrip().endswith("*"), quoted=quoted or len(words) > 1)


def _all(items: list[Node | Leaf]) -> Node | Leaf | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else Node("and", tuple(items))


def _either(left: Node | Leaf, right: Node | Leaf, notes: list[str]) -> Node | Leaf:
    alternatives = [
        item
        for side in (left, right)
        for item in (side.items if isinstance(side, Node) and side.op == "or" else (side,))
    ]
    kept = [item for item in alternatives if not (isinstance(item, Node) and item.op == "not")]
    if len(kept) < len(alternatives):
        notes.append(NOTES["negative-or"])
    if not kept:
        return left
    return kept[0] if len(kept) == 1 else Node("or", tuple(kept))


def _glossary_runs(items: list[Node | Leaf]) -> list[Node | Leaf]:
    """Bare words that spell an abbreviation's expansion ("lien doan lao dong") become one
    phrase, which then matches the abbreviation too."""
    out: list[Node | Leaf] = []
    i = 0
    while i < len(items):
        item = items[i]
        if isinstance(item, Leaf) and not item.quoted and not item.prefix:
            for phrase, _ in _EXPANSIONS:
                run = items[i : i + len(phrase)]
                if (
                    len(run) == len(phrase) > 1
                    and all(isinstance(r, Leaf) and not r.quoted and not r.prefix for r in run)
                    and tuple(fold(r.words[0]) for r in run) == phrase  # type: ignore[union-attr]
                ):
                    out.append(Leaf(tuple(r.words[0] for r in run), quoted=True))  # type: ignore[union-attr]
                    i += len(phrase)
                    break
            else:
                out.append(item)
                i += 1
        else:
            out.append(item)
            i += 1
    return out


def _rebuild(node: Node | Leaf) -> Node | Leaf:
    if isinstance(node, Leaf):
        return node
    items = [_rebuild(item) for item in node.items]
    if node.op == "and":
        items = _glossary_runs(items)
    return Node(node.op, tuple(items), node.arg)


def parse_query(text: str | None, mode: str = "auto") -> Query:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    notes: list[str] = []
    cleaned = clean_text(_CONTROL.sub(" ", (text or "")[:MAX_LENGTH]))
    parser = _Parser(_tokens(cleaned), notes)
    items = _glossary_runs(parser.sequence(0))
    tree = _all(items)
    if tree is not None:
        tree = _rebuild(tree)
        tree = tree if isinstance(tree, Node) else Node("and", (tree,))
    return Query(tree, notes)


def _accented(word: str) -> bool:
    return word != fold(word)


def _glossary_forms(leaf: Leaf, mode: str) -> list[tuple[str, ...]] | None:
    """Where the leaf is a union abbreviation or an abbreviation's expansion, both forms,
    accented as typed (an accented form stays exact, an unaccented one is folded)."""
    if leaf.prefix:
        return None
    folded = tuple(fold(word) for word in leaf.words)
    term = _ABBREVIATIONS.get(folded[0]) if len(folded) == 1 else None
    term = term or next((t for phrase, t in _EXPANSIONS if phrase == folded), None)
    if term is None:
        return None
    exact = _keeps_accents(leaf.words, mode, any)
    return [
        tuple(word.lower() if exact else fold(word) for word in _WORD.findall(form))
        for form in (term.abbreviation, term.expansion)
    ]


def _keeps_accents(words: tuple[str, ...], mode: str, how: Callable[[Iterable[bool]], bool]) -> bool:
    return mode == "exact" or (mode == "auto" and how(map(_accented, words)))


def _phrase(words: tuple[str, ...], prefix: bool, mode: str) -> str:
    """One typed word or phrase as FTS5 reads it, accents word by word."""
    star = " *" if prefix else ""
    if mode == "fold":
        return f'"{" ".join(map(fold, words))}"{star}'
    accented = [word for word in words if _accented(word)]
    if mode == "exact" or len(accented) == len(words):
        return f'"{" ".join(words)}"{star}'
    folded = f'"{" ".join(map(fold, words))}"{star}'
    if not accented:
        return folded
    # Mixed: the phrase in its folded form, and each accented word as typed somewhere.
    exact = [f'"{word}"' + (star if prefix and word == words[-1] else "") for word in dict.fromkeys(accented)]
    return "(" + " AND ".join([folded, *exact]) + ")"


def _leaf(leaf: Leaf, mode: str) -> str:
    forms = _glossary_forms(leaf, mode)
    if forms is None:
        return _phrase(leaf.words, leaf.prefix, mode)
    return "(" + " OR ".join(f'"{" ".join(words)}"' for words in forms) + ")"


def _negated(node: Node | Leaf) -> bool:
    return isinstance(node, Node) and node.op == "not"


def _expression(node: Node | Leaf, mode: str, notes: list[str]) -> str | None:
    if isinstance(node, Leaf):
        return _leaf(node, mode)
    if node.op in ("and", "not"):
        items = node.items if node.op == "and" else (node,)
        positive = [e for item in items if not _negated(item) if (e := _expression(item, mode, notes))]
        negative = [e for item in items if _negated(item) if (e := _expression(item.items[0], mode, notes))]  # type: ignore[union-attr]
        if not positive:
            if negative:
                notes.append(NOTES["only-not"])
            return None
        found = positive[0] if len(positive) == 1 else "(" + " AND ".join(positive) + ")"
        if negative:  # FTS5's NOT is binary: what the positive part finds, less any excluded
            found = f"({found} NOT " + (negative[0] if len(negative) == 1 else "(" + " OR ".join(negative) + ")") + ")"
        return found
    if node.op == "or":
        parts = [e for item in node.items if (e := _expression(item, mode, notes))]
        return None if not parts else parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    if node.op == "field":
        inner = _expression(node.items[0], mode, notes)
        return f"{FIELD_COLUMNS[str(node.arg)]} : ({inner})" if inner else None
    # near: FTS5 takes plain phrases inside NEAR(); a mixed phrase goes in its folded form
    phrases = []
    for leaf in node.items:
        assert isinstance(leaf, Leaf)
        words = leaf.words if mode != "fold" and all(map(_accented, leaf.words)) else tuple(map(fold, leaf.words))
        phrases.append(f'"{" ".join(words)}"' + (" *" if leaf.prefix else ""))
    return f"NEAR({' '.join(phrases)}, {node.arg})"


@functools.lru_cache(maxsize=512)
def compile_query(query: str | None, mode: str = "auto") -> tuple[str, str]:
    """(MATCH expression, or "" when nothing can be searched for; the notes as one line).

    >>> compile_query('"mái ấm công đoàn" -"nhà văn hóa"')
    ('("mái ấm công đoàn" NOT "nhà văn hóa")', '')
    >>> compile_query("-lut")
    ('', 'Cần ít nhất một từ để tìm, ngoài các từ loại trừ · Give at least one word to look for, besides the excluded ones.')
    """
    parsed = parse_query(query, mode)
    expression = _expression(parsed.tree, mode, parsed.notes) if parsed.tree is not None else None
    if expression and mode == "exact":
        expression = f"{ORIGINAL_COLUMNS} : ({expression})"
    elif expression and mode == "fold":
        expression = f"{FOLDED_COLUMNS} : ({expression})"
    return expression or "", parsed.message


def match_expression(query: str | None, mode: str = "auto") -> str:
    """The MATCH expression, or "" when the query has nothing to look for.

    >>> match_expression('công "đoàn" OR x*')
    '("công" AND ("đoàn" OR "x" *))'
    >>> match_expression("lien doan lao dong Ha Tinh")
    '(("ldld" OR "lien doan lao dong") AND "ha" AND "tinh")'
    >>> match_expression('"mái ấm" -"nhà" NOT lụt tiêu đề: Hà Tĩnh')
    '(("mái ấm" AND {title title_folded} : ("hà") AND "tĩnh") NOT ("nhà" OR "lụt"))'
    >>> match_expression("năm", "exact")
    '{title lead body author} : ("năm")'
    >>> match_expression("Năm", "fold")
    '{title_folded lead_folded body_folded author_folded} : ("nam")'
    """
    return compile_query(query, mode)[0]


def _terms(node: Node | Leaf, mode: str) -> list[Term]:
    if isinstance(node, Leaf):
        forms = _glossary_forms(node, mode)
        if forms is not None:
            exact = _keeps_accents(node.words, mode, any)
            return [tuple(Phrase(words, exact) for words in forms)]
        accented = _keeps_accents(node.words, mode, all)
        return [(Phrase(node.words if accented else tuple(map(fold, node.words)), accented, node.prefix),)]
    if node.op == "not":
        return []  # what is excluded is not in the results to mark
    return [term for item in node.items for term in _terms(item, mode)]


def parse(query: str | None, mode: str = "auto") -> list[Term]:
    """What a result matched, to mark it: the query's phrases outside exclusions, each with
    its alternatives (an abbreviation and its expansion).

    >>> parse("LĐLĐ tỉnh")
    [(Phrase(words=('lđlđ',), accented=True, prefix=False), Phrase(words=('liên', 'đoàn', 'lao', 'động'), accented=True, prefix=False)), (Phrase(words=('tỉnh',), accented=True, prefix=False),)]
    >>> parse('"mai am" -lut doan*')
    [(Phrase(words=('mai', 'am'), accented=False, prefix=False),), (Phrase(words=('doan',), accented=False, prefix=True),)]
    """
    tree = parse_query(query, mode).tree
    return _terms(tree, mode) if tree is not None else []


def in_headline(expression: str) -> str:
    """`expression` matched in the headline (FTS5 intersects nested column filters, so an
    exact-mode expression stays on the original headline). An expression that excludes
    words must still exclude them from the whole article, so it is kept beside.

    >>> in_headline('"cong" AND "doan"')
    '{title title_folded} : ("cong" AND "doan")'
    >>> in_headline('("cong" NOT "lut")')
    '(("cong" NOT "lut")) AND ({title title_folded} : (("cong" NOT "lut")))'
    """
    headline = f"{HEADLINE_COLUMNS} : ({expression})"
    return f"({expression}) AND ({headline})" if " NOT " in expression else headline


def beyond_headline(expression: str) -> str:
    """`expression` matched in an article whose headline does not match it. Both sides are
    bracketed: NOT binds tighter than AND in FTS5.

    >>> beyond_headline('"cong" AND "doan"')
    '("cong" AND "doan") NOT ({title title_folded} : ("cong" AND "doan"))'
    """
    return f"({expression}) NOT ({HEADLINE_COLUMNS} : ({expression}))"
