"""Page layout: repairing a page dump (split words, edition markers, furniture, half-width
punctuation) with a map back to file offsets, and cutting it into articles (headline, byline,
dateline)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from kg.model import Article
from kg.ingest.chars import CLOSERS as _CLOSERS, WS as _WS

# Bounds that keep every stage linear in a file's size, whatever the file:
MAX_LINE = 5_000              # a longer line is cut after a sentence's end (else a clause's, else here)
MAX_ARTICLE = 200_000         # an article is cut at a paragraph once it is this long

_BULLETS = "●○■□◆◇▲△★☆•▶►◎"
_TERMINAL = "。！？!?…；;—"          # a line ending in one of these ends its paragraph
_CLAUSE = re.compile(r"[，,；;。！？!?]")
_DANGLING = set("的地得着和与及或并而在对把被将从向为以于由是之其所该这那各每要会能可也就都还又再更最很不没至即且但则")
_MD = re.compile(r"#{1,6}[ \t]+")
_NUM = r"[0-9０-９一二三四五六七八九十百]+"
# edition markers: ■上接第1版, (下转第3版), （上接第二版）, 【紧接第2版】 …
_MARKER = re.compile(
    rf"[{_BULLETS}]\s*(?P<a>上接|紧接|接|下转|转)第?\s*{_NUM}\s*版"
    rf"|[(（【\[]\s*(?P<b>上接|紧接|接|下转|转|续)第?\s*{_NUM}\s*版\s*[)）】\]]")
# page furniture: editor / layout credits, page numbers, page date lines
_FURNITURE = re.compile(
    r"^[(（【\[]?\s*(责任编辑|责编|编辑|美编|校对|版式设计|版式|海报设计|排版|组版|审核|终审|审校|制图)"
    r"\s*[:：]\s*[^。！？]{0,30}[)）】\]]?$"
    rf"|^第?\s*{_NUM}\s*版\s*[^\s。，,]{{0,12}}$"
    r"|^\d{4}年\d{1,2}月\d{1,2}日\s*(星期|周)[一二三四五六日天]$")
_AGENCY = r"(?:本报|新华社|中新社|人民日报|经济日报|光明日报)"
_PLACE = r"(?P<place>[\u4e00-\u9fff]{2,10}?)?"
_DATE = r"(?P<date>(?:\d{4}年)?\d{1,2}月\d{1,2}日)"
_PAREN = r"(?:\s*[(（](?P<who>[^)）]{1,40})[)）])?"
_LEAD = re.compile(rf"^(?:本报讯|{_AGENCY}{_PLACE}{_DATE}(?:讯|电)){_PAREN}")
_BYLINE = re.compile(
    rf"^[{_BULLETS}]?\s*(?:{_AGENCY}|文\s*/\s*图|文/)?\s*(?:特约|实习|见习|首席)?(?:记者|通讯员|评论员|撰稿)"
    r"[\s:：/]*[\u4e00-\u9fff·]{2,4}(?:\s.*)?$")
_CREDIT = re.compile(
    rf"[{_BULLETS}]?\s*(?:{_AGENCY})?(?:特约|实习|见习|首席)?(?:记者|通讯员|摄影)?"
    r"\s*[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,3}\s*摄(?:影)?$")


def _is_cjk(c: str) -> bool:
    return ("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\u3000" <= c <= "\u303f"
            or "\uff00" <= c <= "\uffef" or c in "“”‘’—…·")


def _core(t: str) -> str:
    return t.rstrip(_WS + _CLOSERS)


def _ends_paragraph(t: str) -> bool:
    c = _core(t)
    return not c or c[-1] in _TERMINAL + ":："


def _heading_like(t: str) -> bool:
    """A short line that does not read as prose: no sentence or clause punctuation inside, no
    sentence-final mark at the end. Headlines, kickers and section heads look like this."""
    c = _core(t)
    return 0 < len(t) <= 40 and bool(c) and c[-1] not in _TERMINAL and not _CLAUSE.search(t)


def _photo_credit(t: str) -> re.Match | None:
    """A photo credit (本报记者 王磊 摄), alone on its line or closing a picture caption."""
    if "摄" not in t[-3:]:      # the credit ends the line; searching long lines for it is slow
        return None
    m = _CREDIT.search(t)
    if not m:
        return None
    credit = m.group()
    named = re.search(rf"记者|通讯员|摄影|[{_BULLETS}]|\s摄", credit)
    if m.start() == 0 or t[m.start() - 1] in _WS + _TERMINAL + _CLOSERS:
        return m if named else None
    return None


def _cuts_word(a: str, b: str) -> bool:
    """Whether the boundary between `a` and `b` falls inside a dictionary word (建|筑, 完|成):
    the mark of a word split by the page dump rather than of two separate lines.

    Uses the extractor's segmenter: a jieba instance of our own costs 0.1 s a process to build.
    The department names that one adds (住建厅, 工信局 …) can change the answer only at a line
    break next to such a name."""
    from kg.language.tokens import SEGMENTER
    left, right = a.rstrip(_WS)[-4:], b.lstrip(_WS)[:4]
    if not left or not right:
        return False
    pos = 0
    for tok in SEGMENTER.cut(left + right, hmm=False):
        if pos < len(left) < pos + len(tok):
            return True
        pos += len(tok)
    return False


# --------------------------------------------------------------------------------------------
# Paragraphs


@dataclass
class _Para:
    text: str                    # kept as one string: a list of characters is slow to build
    offs: list[int]              # offsets[i]: where text[i] is in the file's text
    nl: int                      # offset of the newline ending the paragraph's last line
    md: int = 0                  # markdown heading level, 0 if none
    gap: int = 0                 # blank lines before it
    cont_from: bool = False      # carried a 上接 marker: a continued article starts here
    cont_to: bool = False        # carried a 下转 marker: its article stops here
    kind: str = "body"           # heading | byline | lead | credit | body
    photo_end: bool = False      # ends with a photo credit: a picture box ends here
    credit: str = ""
    displaced: list[list[str]] = field(default_factory=list)   # headline runs dropped when joining
    cut: bool = False            # a piece of an overlong line (`_lines`): never joined to the next

    def classify(self) -> None:
        t = self.text
        self.kind = "body"
        if self.md:
            self.kind = "heading"
        elif _LEAD.match(t):
            self.kind = "lead"
        elif len(t) <= 40 and _BYLINE.match(t) and not _photo_credit(t) and not _ends_paragraph(t):
            self.kind = "byline"
        elif (m := _photo_credit(t)) is not None:
            self.photo_end = True
            self.credit = m.group().strip(_WS + _BULLETS)
            self.kind = "credit" if m.start() == 0 or t[: m.start()].strip(_WS + _BULLETS) == "" else "body"
        elif _heading_like(t):
            self.kind = "heading"


_CUT_AFTER = (re.compile(r"[。！？；!?;][”’」』）)]*"), re.compile(r"[，,、：:]"))


def _lines(text: str) -> Iterator[tuple[int, str, int, bool]]:
    """(start, line, offset of what ends it, cut) for each line of `text`; a line over MAX_LINE
    characters comes in pieces, cut after the last sentence end before the limit (else the last
    clause end, else at the limit), `cut` set on all but its last piece. The "\n" that separates
    two pieces in an article's text maps to the first character of the second (never inside a
    sentence span, which stops at line breaks)."""
    pos = 0
    for raw in text.split("\n"):
        start, pos = pos, pos + len(raw) + 1
        if len(raw) <= MAX_LINE:
            yield start, raw, start + len(raw), False
            continue
        a = 0
        while len(raw) - a > MAX_LINE:
            window = raw[a:a + MAX_LINE]
            cut = 0
            for pattern in _CUT_AFTER:
                last = None
                for last in pattern.finditer(window, MAX_LINE // 2):
                    pass
                if last is not None:
                    cut = last.end()
                    break
            cut = cut or MAX_LINE
            yield start + a, raw[a:a + cut], start + a + cut, True
            a += cut
        yield start + a, raw[a:], start + len(raw), False


def _paragraphs(text: str) -> list[_Para]:
    """Non-blank lines as paragraphs, with markdown marks, edition markers and furniture removed."""
    paras: list[_Para] = []
    blanks, pending_from = 0, False
    for start, raw, nl, cut in _lines(text):
        s = start + len(raw) - len(raw.lstrip(_WS))
        e = start + len(raw.rstrip(_WS))
        if s >= e:
            blanks += 1
            continue
        line = text[s:e]
        if _FURNITURE.match(line):
            blanks += 1
            continue
        md = 0
        if m := _MD.match(line):
            md = m.end() - m.start() - len(m.group().lstrip("#"))
            s += m.end()
            line = text[s:e]
        # the line without its edition markers, built from the pieces between them (a list per
        # character would cost more than everything else here)
        cont_from = cont_to = False
        kept: list[str] = []
        offs: list[int] = []
        a = 0
        for m in _MARKER.finditer(line):
            kind = m.group("a") or m.group("b")
            cont_to |= kind in ("下转", "转")
            cont_from |= kind not in ("下转", "转")
            kept.append(line[a:m.start()])
            offs.extend(range(s + a, s + m.start()))
            a = m.end()
        kept.append(line[a:])
        offs.extend(range(s + a, s + len(line)))
        rest = "".join(kept)
        lead = len(rest) - len(rest.lstrip(_WS))
        rest = rest[lead:].rstrip(_WS)
        offs = offs[lead:lead + len(rest)]
        if not rest:                        # a marker alone on its line
            if cont_to and paras:
                paras[-1].cont_to = True
            pending_from |= cont_from
            blanks = 0
            continue
        p = _Para(rest, offs, nl, md=md, gap=blanks, cont_from=cont_from or pending_from,
                  cont_to=cont_to, cut=cut)
        p.classify()
        paras.append(p)
        blanks, pending_from = 0, False
    return paras


def _hard_gap(paras: list[_Para]) -> int:
    """Blank lines that separate layout boxes: two more than the file's usual paragraph gap."""
    gaps = sorted(p.gap for p in paras[1:])
    usual = gaps[len(gaps) // 2] if gaps else 1
    return usual + 2


def _join(paras: list[_Para], hard: int) -> list[_Para]:
    """Join paragraphs the page dump split mid-sentence or mid-word.

    A body line that does not end its sentence (no 。！？…；—： at the end) continues on the next
    body line when it is long (≥ 26 chars, so not a headline) or, if short, when the boundary
    cuts a word or the line ends in a function character (…的 / …要). A headline-looking next
    line is joined only if the boundary cuts a word and no byline/lead follows it. When headline
    lines sit inside a cut sentence (有条不紊地完 / 以数字化转型为引擎 / 成永磁电机), the sentence is
    joined over them if the boundary cuts a word; the dropped lines are kept as title candidates.
    A layout gap, a byline, a lead or an edition marker always stops a join.
    """
    out: list[_Para] = []
    i = 0
    while i < len(paras):
        cur = paras[i]
        i += 1
        while i < len(paras) and cur.kind == "body" and not cur.cont_to and not cur.photo_end and not cur.cut \
                and len(cur.text) < MAX_LINE:        # joins stay linear: no endless paragraph
            t = cur.text
            if _ends_paragraph(t):
                break
            nxt = paras[i]
            if nxt.gap >= hard or nxt.cont_from:
                break
            if nxt.kind == "body":
                if len(t) >= 26 or t[-1] in _DANGLING or _cuts_word(t, nxt.text):
                    cur = _merge(cur, nxt)
                    i += 1
                    continue
                break
            if nxt.kind != "heading" or len(t) < 26:
                break
            after = paras[i + 1] if i + 1 < len(paras) else None
            if (not nxt.md and _cuts_word(t, nxt.text)
                    and not (after and after.kind in ("lead", "byline"))):
                cur = _merge(cur, nxt)
                i += 1
                continue
            # displaced headline lines inside a cut sentence
            j = i
            while j < len(paras) and j - i < 4 and paras[j].kind == "heading" and paras[j].gap < hard \
                    and not paras[j].cont_from:
                j += 1
            if j < len(paras) and j - i < 4 and paras[j].kind == "body" and paras[j].gap < hard \
                    and not paras[j].cont_from and _cuts_word(t, paras[j].text):
                run = [p.text for p in paras[i:j]]
                cur = _merge(cur, paras[j])
                cur.displaced.append(run)
                i = j + 1
                continue
            break
        out.append(cur)
    return out


def _merge(a: _Para, b: _Para) -> _Para:
    p = _Para(a.text + b.text, a.offs + b.offs, b.nl, md=a.md, gap=a.gap, cont_from=a.cont_from,
              cont_to=b.cont_to, displaced=a.displaced + b.displaced)
    p.kind, p.photo_end, p.credit = "body", b.photo_end, b.credit
    return p


# --------------------------------------------------------------------------------------------
# Punctuation

_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF = re.compile(r"[,:;?!()]")
_CJK_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef“”‘’—…·"   # what _is_cjk accepts
# The common case: a , ; ? ! between two Chinese characters (中,中). It always becomes full-width,
# and nothing else looks at it (its neighbours are no marks), so one substitution can do it first.
_BETWEEN_CJK = re.compile(f"[,;?!](?<=[{_CJK_CLASS}].)(?=[{_CJK_CLASS}])")


def _normalise_punct(text: str) -> str:
    """The text with half-width , : ; ? ! ( ) next to Chinese made full-width (one char for one).

    Brackets go by pairs, so (HMOs) inside Chinese becomes （HMOs） as a whole; a colon between
    digits (9:00) and punctuation inside Latin text stay as they are. Only the half-width marks
    are visited (a loop over every character cost more than the rest of the repair), and the
    changes are kept by position until the end."""
    if not _HALF.search(text):
        return text
    text = _BETWEEN_CJK.sub(lambda m: _HALF_TO_FULL[m.group()], text)
    n = len(text)
    full: dict[int, str] = {}                  # position → full-width mark, decided so far

    def char_at(k: int) -> str:
        return full.get(k, text[k])

    def cjk_at(k: int) -> bool:
        return 0 <= k < n and _is_cjk(char_at(k))

    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    for m in _HALF.finditer(text):
        k, c = m.start(), m.group()
        if c == "(":
            stack.append(k)
        elif c == ")":
            if stack:
                pairs.append((stack.pop(), k))
            else:
                lone.append(k)
        else:
            if c == ":" and k > 0 and k + 1 < n and char_at(k - 1).isdigit() and char_at(k + 1).isdigit():
                continue
            if cjk_at(k - 1) or cjk_at(k + 1):
                full[k] = _HALF_TO_FULL[c]
    lone.extend(stack)
    for a, b in pairs:
        if cjk_at(a - 1) or cjk_at(b + 1) or cjk_at(a + 1) or cjk_at(b - 1):
            full[a], full[b] = "（", "）"
    for k in lone:
        if cjk_at(k - 1) or cjk_at(k + 1):
            full[k] = _HALF_TO_FULL[text[k]]
    if not full:
        return text
    return _HALF.sub(lambda m: full.get(m.start(), m.group()), text)


# --------------------------------------------------------------------------------------------
# Articles


def split_articles(text: str, doc: str) -> list[Article]:
    """Repair a page dump and cut it into articles (see the module docstring for offsets).

    Rules, read off the seed pages:
    * An article starts at a *start signal*: a lead (本报讯（记者 …）, 本报鄂尔多斯12月27日电…,
      新华社…电), a byline line (●本报记者 …, □本报记者 … 通讯员 …) or a continuation marker
      (■上接第1版, （上接第1版）). The headline lines just above the signal (up to five short
      headline-looking or markdown lines) belong to it.
    * It also starts after a layout gap (two more blank lines than usual: picture boxes), after a
      photo credit (本报记者 王磊 摄) and after a 下转 marker; and at the top of the file.
    * Any other headline-looking line — markdown or not — is a section heading of the article it
      sits in: without a byline or dateline it cannot be told from one.
    * Title: the last headline line above the signal (the one next to the byline; a kicker
      ending in ：such as 王彩云代表： is put in front, a ——subtitle is skipped). An article with
      no headline (its headline was printed elsewhere on the page) takes the unused headline
      lines of the page that its text best contains; the first article of a file with no
      headline at all takes its first line.
    * Byline: the byline line without its bullet, or what the lead's brackets hold (记者 祁晓燕),
      or the photo credit. Place and date come from a dateline only (本报鄂尔多斯12月27日电).
    """
    paras = _paragraphs(text)
    if not paras:
        return []
    hard = _hard_gap(paras)
    paras = _join(paras, hard)
    for p in paras:
        p.text = _normalise_punct(p.text)

    def boundary_before(i: int) -> bool:
        if i == 0:
            return True
        prev = paras[i - 1]
        return paras[i].gap >= hard or prev.photo_end or prev.kind == "credit" or prev.cont_to

    starts: list[int] = []
    length = 0
    for i, p in enumerate(paras):
        if boundary_before(i) or length > MAX_ARTICLE:   # an endless article is cut at a paragraph
            starts.append(i)
            length = 0
        length += len(p.text) + 1
        if p.kind in ("lead", "byline") or p.cont_from:
            j = i
            while j > 0 and paras[j - 1].kind == "heading" and not boundary_before(j) and i - j < 5:
                j -= 1
            s0 = starts[-1] if starts else 0
            if j <= s0 or all(q.kind in ("heading", "byline") for q in paras[s0:j]):
                continue     # the current article has no body yet: the signal is its own
            starts.append(j)
    starts = sorted(set(starts))
    spans = [[s, e] for s, e in zip(starts, starts[1:] + [len(paras)])]

    # titles
    titles: list[str] = []
    pool: list[list[tuple[int | None, str]]] = []   # unused headline runs: (para index or None, text)
    for k, (s, e) in enumerate(spans):
        run_end = s
        while run_end < e and paras[run_end].kind == "heading":
            run_end += 1
        run = list(range(s, run_end))
        title, used = "", set()
        cands = [i for i in run if not paras[i].text.startswith(("—", "－", "-"))]
        if cands:
            t = cands[-1]
            title, used = paras[t].text, {t}
            if t - 1 in run and paras[t - 1].text[-1:] in ":：":
                title, used = paras[t - 1].text + title, {t - 1, t}
        elif k == 0 and s == 0:
            first = paras[0].text
            title = re.split(r"(?<=[。！？!?])", first, maxsplit=1)[0][:60]
        left: list[tuple[int | None, str]] = [(i, paras[i].text) for i in run if i not in used]
        if left:
            pool.append(left)
        for p in paras[s:e]:
            pool.extend([(None, t) for t in r] for r in p.displaced)
        titles.append(title)

    # orphans: articles without a headline take the page's unused headline lines they best match
    for k, (s, e) in enumerate(spans):
        if titles[k]:
            continue
        body = "".join(paras[i].text for i in range(s, e))
        best: int | None = None
        best_score, best_lines = 0, list[tuple[int | None, str]]()
        for g, lines in enumerate(pool):
            if any(i is not None and s <= i < e for i, _ in lines):
                continue
            found: list[tuple[int | None, str]] = []
            score = 0
            for at, text in lines:
                han = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
                bg = [han[x:x + 2] for x in range(len(han) - 1)]
                hit = sum(b in body for b in bg)    # the body's bigrams, without making them all
                if len(bg) >= 3 and hit / len(bg) >= 0.5:
                    found.append((at, text))
                    score += hit
            if score > best_score:
                best, best_score, best_lines = g, score, found
        if best is not None:
            titles[k] = " ".join(t for _, t in best_lines)
            used_idx = {i for i, _ in best_lines if i is not None}
            pool[best] = [x for x in pool[best] if x not in best_lines]
            for sp in spans:           # a headline given away at the very top of its owner leaves it
                while sp[0] in used_idx and sp[0] < sp[1] - 1:
                    sp[0] += 1

    articles: list[Article] = []
    for k, (s, e) in enumerate(spans):
        if s >= e:
            continue
        offs: list[int] = []
        for i in range(s, e):
            if i > s:
                offs.append(paras[i - 1].nl)     # the "\n" between two paragraphs
            offs.extend(paras[i].offs)
        offs.append(offs[-1] + 1)
        text = "\n".join(paras[i].text for i in range(s, e))
        a = Article(doc=doc, index=len(articles), text=text, offsets=offs,
                    title=titles[k].strip(_WS))
        _fill_byline(a, paras[s:e])
        articles.append(a)
    return articles


def _fill_byline(a: Article, paras: list[_Para]) -> None:
    for p in paras[:8]:
        t = p.text
        if p.kind == "lead":
            m = _LEAD.match(t)
            assert m is not None          # what made the paragraph a lead
            a.place = m.group("place") or ""
            a.date = m.group("date") or ""
            a.byline = (m.group("who") or "").strip(_WS)
            return
        if p.kind == "byline":
            a.byline = t.strip(_WS + _BULLETS)
            return
        if p.kind == "body":
            break
    for p in paras:
        if p.photo_end:
            a.byline = p.credit
            return


