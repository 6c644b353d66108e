"""What a notebook puts on the report page, made safe to show and unable to break the page around it.

Every piece of HTML that comes from a notebook (text/html outputs, the HTML of Markdown cells and of
text/markdown outputs, which both pass raw HTML) is parsed on its own and written out again by `clean`:

- elements that act beyond their place are dropped with their content: scripts, `<style>` (it styles the whole
  page: the report's own stylesheet styles the package's parts), `<meta>` (a refresh moves the browser, and the
  printer, to another page), `<base>`, `<link>`, frames and embedded objects, forms' controls, `<template>`;
- so are the elements whose content a browser reads as text up to their closing tag, which is how one stray
  `<textarea>`, `<title>`, `<xmp>` or `<plaintext>` swallowed the rest of the page (the signature, "Nơi nhận",
  the annex), and `<select>`, which hides what follows; comments are dropped, and a stray `<!--` with them;
- event-handler attributes (`on...`), and links to `javascript:`, `file:`, `data:` and other schemes; an
  image's source is kept only when it is embedded (`data:image/png`, `jpeg`, `gif`, `webp`, `svg+xml`), the only
  kind the page's Content-Security-Policy shows; `style` attributes stay (they reach only their element);
- what is written out again is whole: every element closed, end tags without a start (`</main>`, `</body>`)
  and attributes whose quote never closes gone, so that nothing in it reaches the page around it.

What was dropped is returned with the cleaned HTML, for the report's log. The parser is libxml2's (lxml), whose
tokenizer follows HTML5 (libxml2 2.14), for speed: BeautifulSoup's is many times slower. Safety does not depend on its tree being a browser's: the page only ever receives
what `clean` wrote, which holds no comment, no element read as text and no unclosed element.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

# Dropped with everything inside them, and the reason given in the log.
DROPPED = {
    "script": "mã JavaScript", "noscript": "mã JavaScript",
    "style": "định dạng áp dụng cho cả trang",
    "meta": "có thể chuyển sang trang khác", "base": "đổi địa chỉ gốc của trang", "link": "nạp tệp ngoài",
    "iframe": "nội dung nhúng", "frame": "nội dung nhúng", "frameset": "nội dung nhúng", "object": "nội dung nhúng",
    "embed": "nội dung nhúng", "applet": "nội dung nhúng", "portal": "nội dung nhúng", "fencedframe": "nội dung nhúng",
    "param": "nội dung nhúng",
    "textarea": "ô nhập liệu", "select": "ô nhập liệu", "option": "ô nhập liệu", "optgroup": "ô nhập liệu",
    "datalist": "ô nhập liệu", "input": "ô nhập liệu", "button": "nút bấm", "keygen": "ô nhập liệu",
    "template": "nội dung ẩn", "title": "tiêu đề trang", "xmp": "che phần sau nó", "plaintext": "che phần sau nó",
    "noembed": "che phần sau nó", "noframes": "che phần sau nó",
}
# Dropped, their content kept.
UNWRAPPED = {"form": "biểu mẫu", "html": "thẻ trang", "head": "thẻ trang", "body": "thẻ trang"}
# Attributes holding a link (any scheme but these refused) and a source (only embedded images kept).
_LINKS = {"href", "xlink:href", "cite", "longdesc", "action", "formaction", "ping", "manifest", "icon", "profile"}
_SOURCES = {"src", "srcset", "lowsrc", "dynsrc", "poster", "background", "data", "codebase", "archive", "classid",
            "usemap", "srcdoc"}
_SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_EMBEDDED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.I)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.I)
# What browsers ignore in a URL (every ASCII tab and newline, the controls and spaces around it).
_URL_IGNORED = re.compile(r"[\t\n\r]|^[\x00-\x20]+|[\x00-\x20]+$")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*")
_END_OF_DOCUMENT = re.compile(r"</(?:html|body)\b[^>]*>", re.I)      # libxml2 drops what follows them
_PARSERS = threading.local()      # a parser is used by one thread at a time (a Jupyter server exports in several)
_OPEN, _CLOSE = "<body>", "</body>"


def clean(fragment: str, marks: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """`fragment` (HTML from a notebook) written out again without what could act beyond its place, and what was
    dropped (Vietnamese, one item per kind: '<meta> (có thể chuyển sang trang khác)', 'thuộc tính onclick').
    Comments are dropped but for `marks`, the texts of comments the page's template looks for ('<!-- toc -->')."""
    if "<" not in fragment:
        return fragment, []
    source = _END_OF_DOCUMENT.sub("", fragment) if "</" in fragment else fragment
    dropped: dict[str, int] = {}
    body = _body(source, dropped)
    doomed, unwrapped = _sort_out(body, source, marks, dropped)
    for element in doomed:
        _remove(element, keep_content=False)
    for element in unwrapped:
        _remove(element, keep_content=True)
    return _written(body), _items(dropped)


def _body(source: str, dropped: dict[str, int]) -> etree._Element:
    """`source` parsed, as one <body> holding all of it: the attributes of <html> and <body> dropped, a <head>'s
    children and what came after </body> moved into it."""
    parser = _parser()
    root = etree.fromstring("<html><body>" + source, parser)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        _count(dropped, "phần lồng quá sâu (hơn 2048 tầng thẻ, phần sau nó không đọc được)")
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for element in (root, body):
        if element.attrib:       # <html ...> or <body ...> in the fragment: on the page, they would restyle it
            _count(dropped, f"thuộc tính của <{element.tag}>")
            element.attrib.clear()
    for extra in [child for child in root if child is not body]:     # a <head>, and what came after </body>
        if extra.tag == "head":
            for index, child in enumerate(list(extra)):
                body.insert(index, child)
            root.remove(extra)
        else:
            body.append(extra)
    return body


def _sort_out(body: etree._Element, source: str, marks: tuple[str, ...],
              dropped: dict[str, int]) -> tuple[list[etree._Element], list[etree._Element]]:
    """Every node under `body` looked at once: the ones to drop with their content and the ones to unwrap, each
    counted in `dropped`; the attributes of those kept are cleaned on the way."""
    doomed, unwrapped, stack = [], [], [body]
    while stack:
        for element in stack.pop():
            tag = element.tag
            if not isinstance(tag, str):          # a comment or a processing instruction
                if tag is etree.Comment and f"<!--{element.text}-->" in marks:
                    continue
                doomed.append(element)
                if tag is etree.Comment and source.endswith("<!--" + (element.text or "")):
                    _count(dropped, "«<!--» không đóng (che phần sau nó)")
                continue
            name = tag.lower()
            if name in DROPPED:
                doomed.append(element)
                if name == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh":
                    _count(dropped, '<meta http-equiv="refresh"> (chuyển sang trang khác)')
                else:
                    _count(dropped, f"<{name}> ({DROPPED[name]})")
                continue
            if name in UNWRAPPED:
                unwrapped.append(element)
                _count(dropped, f"<{name}> ({UNWRAPPED[name]}; giữ nội dung)")
            if element.attrib:
                _clean_attributes(element, name, dropped)
            if len(element):
                stack.append(element)
    return doomed, unwrapped


def _written(body: etree._Element) -> str:
    """What `body` holds, as HTML."""
    text = etree.tostring(body, method="html", encoding=str, with_tail=False)
    if text == "<body></body>":
        return ""
    if not (text.startswith(_OPEN) and text.endswith(_CLOSE)):
        raise AssertionError(f"unexpected serialisation: {text[:40]!r}…{text[-40:]!r}")
    return text[len(_OPEN):-len(_CLOSE)]


def _parser() -> etree.HTMLParser:
    """This thread's parser: no network; huge_tree, else libxml2 silently drops a text over 10 MB and what is nested
    more than 256 deep (it still stops at 2048)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(no_network=True, default_doctype=False, huge_tree=True)
    return parser


def _clean_attributes(element, name: str, dropped: dict[str, int]) -> None:
    for attribute, value in list(element.attrib.items()):
        key = attribute.lower()
        if key.startswith("on"):
            _count(dropped, f"thuộc tính {key} (mã JavaScript)")
        elif not _ATTRIBUTE_NAME.fullmatch(attribute):
            _count(dropped, "thuộc tính có tên không hợp lệ")
        elif key in _SOURCES:
            if key == "src" and name in ("img", "image", "source") and _EMBEDDED_IMAGE.match(_url(value)):
                continue
            _count(dropped, f"{key}= của <{name}> không phải ảnh nhúng sẵn (trang không nạp tệp ngoài)")
        elif key in _LINKS:
            scheme = _SCHEME.match(_url(value))
            if scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES:
                continue
            _count(dropped, f"liên kết {scheme.group(1).lower()}:")
        else:
            continue
        del element.attrib[attribute]


def _url(value: str) -> str:
    return _URL_IGNORED.sub("", value)


def _count(dropped: dict[str, int], item: str) -> None:
    dropped[item] = dropped.get(item, 0) + 1


def _items(dropped: dict[str, int]) -> list[str]:
    return [f"{item} ×{n}" if n > 1 else item for item, n in dropped.items()]


def _remove(element, keep_content: bool) -> None:
    """Take `element` out of its tree, keeping the text that follows it (and its content, if asked)."""
    parent = element.getparent()
    if parent is None:
        return
    kept = ""
    if keep_content:
        kept = element.text or ""
        children = list(element)
        index = parent.index(element)
        for offset, child in enumerate(children):
            parent.insert(index + 1 + offset, child)
        if children:
            children[-1].tail = (children[-1].tail or "") + (element.tail or "")
            tail = ""
        else:
            tail = element.tail or ""
        text = kept + tail
    else:
        text = element.tail or ""
    previous = element.getprevious()
    if text:
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
    parent.remove(element)


def tell(resources: dict, where: str, items: list[str]) -> None:
    """Say in `resources['thads_hidden']` (the report's log) what was dropped from one output or cell (`where`), once,
    however many formats dropped it."""
    if items:
        said = message(where, items)
        hidden = resources.setdefault("thads_hidden", [])
        if said not in hidden:
            hidden.append(said)


def message(where: str, items: list[str]) -> str:
    """The log line for one output or cell: where it is, and what was dropped from it."""
    return (f"{where}: bỏ khỏi trang phần HTML không an toàn hoặc làm hỏng trang: {', '.join(items)}")
