"""Markdown → Webex-style `html` and plain `text`, with mention parsing.

Webex renders a small markdown subset server-side and turns `<@personId:ID|Name>` /
`<@personEmail:EMAIL|Name>` / `<@all>` into `<spark-mention>` tags. This is a compact renderer
for that subset: enough for clients to rely on the shapes, not a CommonMark implementation.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

MENTION = re.compile(r"<@(personId|personEmail):([^|>]+)(?:\|([^>]*))?>|<@all>")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
INLINE = [
    (re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), "strong"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\*)|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), "em"),
]
BULLET = re.compile(r"^\s*[-*+]\s+")
NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
# Resolves a mention to (person id, display name), or None when nobody matches.
Resolver = Callable[[str, str], tuple[str, str] | None]


@dataclass
class Rendered:
    html: str
    text: str
    mentioned_people: list[str] = field(default_factory=list)
    mentioned_groups: list[str] = field(default_factory=list)


def render(markdown: str, resolve: Resolver) -> Rendered:
    """Render markdown; `resolve(kind, value)` maps a mention to a person."""
    out = Rendered("", "")
    tags: list[str] = []
    names: list[str] = []

    def mention(m: re.Match[str]) -> str:
        if m.group(0) == "<@all>":
            if "all" not in out.mentioned_groups:
                out.mentioned_groups.append("all")
            name = "All"
            tag = ('<spark-mention data-object-type="groupMention" data-group-type="all">'
                   "All</spark-mention>")
        else:
            found = resolve(m.group(1), m.group(2).strip())
            if found is None:
                return m.group(3) or m.group(2)
            pid, default_name = found
            name = m.group(3) or default_name
            if pid not in out.mentioned_people:
                out.mentioned_people.append(pid)
            tag = (f'<spark-mention data-object-type="person" data-object-id="{pid}">'
                   f"{htmllib.escape(name)}</spark-mention>")
        tags.append(tag)
        names.append(name)
        # A private-use character survives escaping and inline rules untouched.
        return f"\ue000{len(tags) - 1}\ue001"

    marked = MENTION.sub(mention, markdown)
    placeholder = re.compile("\ue000(\\d+)\ue001")
    out.html = placeholder.sub(lambda m: tags[int(m.group(1))], _blocks(marked))
    out.text = placeholder.sub(lambda m: names[int(m.group(1))], plain_text(marked))
    return out


def plain_text(markdown: str) -> str:
    """What Webex puts in `text` when only markdown was sent: the words without the syntax."""
    text = FENCE.sub(lambda m: m.group(1), markdown)
    text = LINK.sub(r"\1", text)
    text = re.sub(r"^\s{0,3}(#{1,6}|>)\s?", "", text, flags=re.M)
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*", r"\1", text)
    return text.strip()


def _inline(text: str) -> str:
    codes: list[str] = []

    def keep_code(m: re.Match[str]) -> str:
        codes.append(f"<code>{htmllib.escape(m.group(1), quote=False)}</code>")
        return f"\ue002{len(codes) - 1}\ue003"

    text = re.sub(r"`([^`]+)`", keep_code, text)
    text = htmllib.escape(text, quote=False)
    text = LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    for pattern, tag in INLINE:
        text = pattern.sub(lambda m, t=tag: f"<{t}>{m.group(1) or m.group(2)}</{t}>", text)
    return re.sub("\ue002(\\d+)\ue003", lambda m: codes[int(m.group(1))], text)


def _blocks(markdown: str) -> str:
    parts: list[str] = []
    pos = 0
    for fence in FENCE.finditer(markdown):
        parts.extend(_paragraphs(markdown[pos:fence.start()]))
        code = htmllib.escape(fence.group(1).rstrip("\n"), quote=False)
        parts.append(f"<pre><code>{code}</code></pre>")
        pos = fence.end()
    parts.extend(_paragraphs(markdown[pos:]))
    return "".join(parts)


def _paragraphs(chunk: str) -> list[str]:
    out: list[str] = []
    for block in re.split(r"\n\s*\n", chunk.strip("\n")):
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", lines[0])
        if heading and len(lines) == 1:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif all(BULLET.match(ln) for ln in lines):
            out.append(_list("ul", BULLET, lines))
        elif all(NUMBERED.match(ln) for ln in lines):
            out.append(_list("ol", NUMBERED, lines))
        elif all(ln.startswith(">") for ln in lines):
            inner = "<br/>".join(_inline(ln.lstrip(">").strip()) for ln in lines)
            out.append(f"<blockquote>{inner}</blockquote>")
        else:
            out.append("<p>" + "<br/>".join(_inline(ln) for ln in lines) + "</p>")
    return out


def _list(tag: str, marker: re.Pattern[str], lines: list[str]) -> str:
    items = "".join(f"<li>{_inline(marker.sub('', ln, count=1))}</li>" for ln in lines)
    return f"<{tag}>{items}</{tag}>"
