"""Text with LaTeX math ($...$ inline, $$...$$ displayed) as HTML for feedback pages: the math as MathML, which
browsers render natively and offline (MathML Core: Chromium 109+, Firefox, Safari), everything else escaped.

latex2mathml converts the formulas. Its output must hold only allowlisted MathML elements and layout attributes (no
style, class, colour, link or event attribute), and `<` and `>` in a formula are turned into LaTeX commands
before conversion, so no markup or styling written into a TA's comment or a check's message (which can quote a
student's error message) reaches the page. A formula that cannot be converted, or fails the check, is shown as
written, escaped.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.S)
TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)([^>]*)>")
ATTRIBUTE = re.compile(r"""([^\s=/]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
MATHML_ATTRIBUTES = {"xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "columnalign", "rowalign",
                     "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "width", "height", "depth",
                     "linebreak", "lspace", "rspace", "accent", "accentunder", "movablelimits", "largeop", "symmetric",
                     "minsize", "maxsize", "notation", "scriptlevel", "displaystyle", "linethickness", "form",
                     "encoding", "align"}
MATHML_ELEMENTS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
                   "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
                   "mphantom", "menclose", "merror", "semantics", "annotation"}
LATEX_FOR = {"<": r"\lt ", ">": r"\gt "}  # `&` stays: it separates columns, and is no markup on its own


def formula_mathml(latex: str, display: bool) -> str | None:
    """MathML for one formula, or None where it cannot be converted safely."""
    source = re.sub(r"(?<!\\)[<>]", lambda m: LATEX_FOR[m.group(0)], latex)
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any formula latex2mathml cannot read is shown as written
        return None
    for name, attributes in TAG.findall(mathml):
        names = {attribute.lower() for attribute, _ in ATTRIBUTE.findall(attributes)}
        if name not in MATHML_ELEMENTS or not names <= MATHML_ATTRIBUTES or "javascript:" in attributes.lower():
            return None  # e.g. \style{...}, \class{...} or \color{...}: styling is the page's, not the text's
    return mathml


def text_html(text: str) -> str:
    """`text` as HTML: formulas as MathML, the rest escaped."""
    parts, last = [], 0
    for match in MATH.finditer(text):
        parts.append(html.escape(text[last:match.start()]))
        display = match.group(1) is not None
        mathml = formula_mathml(match.group(1) if display else match.group(2), display)
        parts.append(mathml if mathml else html.escape(match.group(0)))
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)
