"""Text from outside (an uploaded file's name, a typed reason) shown in Markdown-rendering
Streamlit elements as exactly that text: no links, images, emphasis, headings or HTML."""

from __future__ import annotations

import string

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit's own extensions
# (:color[...] directives, :material/icon:, $math$) start with punctuation too.
_ESCAPE = {ord(c): "\\" + c for c in string.punctuation}


def md_escape(text: object) -> str:
    """`text` for st.markdown / st.subheader / st.info / labels: every ASCII punctuation mark
    backslash-escaped (so `[x](http://...)`, `![](...)`, `<b>`, `**`, `#`, `http://` and
    `www.` render as typed), line breaks and other control characters as spaces."""
    value = "".join(" " if not (c.isprintable() or c == " ") else c for c in str(text))
    return value.translate(_ESCAPE)
