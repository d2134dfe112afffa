"""Caption assembly under Instagram's limits on length and hashtags.

A caption is the generated text, then the automation's mandatory text verbatim,
then generated hashtags. Instagram allows 2,200 characters but does not
document the unit, so the length is the larger of code points and UTF-16 code
units, the stricter of the two common counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_CAPTION_LENGTH = 2200
SEPARATOR = "\n\n"
ELLIPSIS = "…"

# A hashtag is "#" then letters, digits or underscores, not glued to a word.
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
TRAILING_HASHTAGS = re.compile(r"(?:\s*(?<![\w#])#\w+)+\s*$")


class CaptionError(ValueError):
    """Mandatory text that alone breaks a caption limit, named in the message.

    Retrying cannot help until the automation or instagram.max_hashtags changes.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def caption_length(text: str) -> int:
    """Count `text` as the larger of its code points and its UTF-16 code units."""
    utf16_units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    return max(len(text), utf16_units)


def hashtags_in(text: str) -> list[str]:
    """Return every hashtag in `text` without its `#`, duplicates included."""
    return HASHTAG.findall(text)


def normalize_hashtag(tag: str) -> str:
    """Strip `#`, spaces and punctuation, which would end a hashtag early."""
    return re.sub(r"\W", "", tag)


def check_mandatory(mandatory: str, max_hashtags: int) -> str | None:
    """Return why the mandatory text alone breaks a caption limit, or None."""
    text = mandatory.strip()
    length = caption_length(text)
    if length > MAX_CAPTION_LENGTH:
        return (
            f"The mandatory caption text is {length:,} characters long, over "
            f"Instagram's limit of {MAX_CAPTION_LENGTH:,}; emoji and other "
            "characters outside the Basic Multilingual Plane count as 2. "
            f"Shorten it by {length - MAX_CAPTION_LENGTH:,} characters."
        )

    count = len(hashtags_in(text))
    if count > max_hashtags:
        return (
            f"The mandatory caption text has {count} hashtags, over the limit of "
            f"{max_hashtags} set by instagram.max_hashtags. "
            f"Remove {count - max_hashtags} of them."
        )
    return None


def assemble_caption(
    generated_text: str,
    mandatory: str,
    generated_hashtags: list[str],
    max_hashtags: int,
) -> str:
    """Join the caption parts within the limits, keeping the mandatory text whole.

    The mandatory text loses only its surrounding whitespace. Generated hashtags
    beyond `max_hashtags` (mandatory ones count first) are dropped, and so are
    those that repeat a hashtag in any case. Generated text is trimmed at a
    grapheme cluster boundary to fit. Raises CaptionError when the mandatory
    text alone breaks a limit.
    """
    problem = check_mandatory(mandatory, max_hashtags)
    if problem:
        raise CaptionError(problem)

    mandatory = mandatory.strip()
    text, inline_hashtags = split_hashtags(generated_text)
    candidates = inline_hashtags + list(generated_hashtags)
    hashtags = _extra_hashtags(candidates, mandatory, max_hashtags)

    return _fit(text, mandatory, hashtags)


def split_hashtags(text: str) -> tuple[str, list[str]]:
    """Take the hashtags out of `text` and return the text and the hashtags.

    A trailing run of hashtags is removed, and a hashtag inside a sentence keeps
    its word ("a #sunny day" becomes "a sunny day"). Generated text goes through
    this so that its hashtags count against the limit.
    """
    hashtags = hashtags_in(text)
    text = TRAILING_HASHTAGS.sub("", text)
    text = HASHTAG.sub(r"\1", text)
    return text.strip(), hashtags


def _extra_hashtags(
    candidates: list[str], mandatory: str, max_hashtags: int
) -> list[str]:
    mandatory_tags = hashtags_in(mandatory)
    seen = {tag.casefold() for tag in mandatory_tags}
    extra: list[str] = []
    for candidate in candidates:
        if len(mandatory_tags) + len(extra) >= max_hashtags:
            break
        tag = normalize_hashtag(candidate)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            extra.append(tag)
    return extra


def _fit(text: str, mandatory: str, hashtags: list[str]) -> str:
    while (
        hashtags and caption_length(_join("", mandatory, hashtags)) > MAX_CAPTION_LENGTH
    ):
        hashtags = hashtags[:-1]

    rest = _join("", mandatory, hashtags)
    room = MAX_CAPTION_LENGTH - caption_length(rest)
    if rest:
        room -= len(SEPARATOR)

    return _join(trim_text(text, room), mandatory, hashtags)


def _join(text: str, mandatory: str, hashtags: list[str]) -> str:
    hashtag_line = " ".join("#" + tag for tag in hashtags)
    return SEPARATOR.join(part for part in (text, mandatory, hashtag_line) if part)


def trim_text(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters at a grapheme cluster boundary.

    A cut text ends with an ellipsis. Characters are counted by caption_length.
    """
    if caption_length(text) <= limit:
        return text

    clusters: list[str] = []
    used = caption_length(ELLIPSIS)
    for cluster in graphemes(text):
        used += caption_length(cluster)
        if used > limit:
            break
        clusters.append(cluster)

    head = "".join(clusters).rstrip()
    return head + ELLIPSIS if head else ""


# Grapheme cluster boundaries after Unicode UAX #29, with the properties
# approximated from unicodedata. NOTE: the Prepend property and the Indic
# conjunct rule (GB9c) are not implemented, so those clusters may be split.

ZWJ = "\u200d"
CONTROLS = {"CR", "LF", "Control"}
HANGUL_JOINS = {
    ("L", "L"),
    ("L", "V"),
    ("L", "LV"),
    ("L", "LVT"),
    ("LV", "V"),
    ("LV", "T"),
    ("V", "V"),
    ("V", "T"),
    ("LVT", "T"),
    ("T", "T"),
}
# Extended_Pictographic, to the precision that joining emoji with ZWJ needs.
PICTOGRAPHIC_RANGES = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x2300, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)


def graphemes(text: str) -> Iterator[str]:
    """Yield the extended grapheme clusters of `text` (user-perceived characters)."""
    start = 0
    previous = ""
    regional_run = 0
    emoji = "none"
    for index, char in enumerate(text):
        current = _break_property(char)
        if previous and _is_boundary(previous, current, regional_run, emoji):
            yield text[start:index]
            start = index

        regional_run = regional_run + 1 if current == "RI" else 0
        emoji = _emoji_state(emoji, current)
        previous = current

    if start < len(text):
        yield text[start:]


def _is_boundary(previous: str, current: str, regional_run: int, emoji: str) -> bool:
    if previous == "CR" and current == "LF":
        return False
    if previous in CONTROLS or current in CONTROLS:
        return True
    if (previous, current) in HANGUL_JOINS:
        return False
    if current in ("Extend", "ZWJ", "SpacingMark"):
        return False
    if previous == "ZWJ" and current == "ExtPict" and emoji == "zwj":
        return False
    if previous == "RI" and current == "RI":
        # Flags are pairs: join an RI to the one before when that one is unpaired.
        return regional_run % 2 == 0
    return True


def _emoji_state(state: str, current: str) -> str:
    # Tracks whether a pictograph, its extenders and a ZWJ came last, because
    # only after that sequence does a pictograph join the cluster before it.
    if current == "ExtPict":
        return "base"
    if current == "Extend" and state == "base":
        return "base"
    if current == "ZWJ" and state == "base":
        return "zwj"
    return "none"


def _break_property(char: str) -> str:
    code = ord(char)
    category = unicodedata.category(char)
    if char in "\r\n":
        return "CR" if char == "\r" else "LF"
    if char == ZWJ:
        return "ZWJ"
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "RI"
    if _is_extend(code, category):
        return "Extend"
    if category in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return "Control"
    if category == "Mc":
        return "SpacingMark"
    return _hangul_property(code) or _pictographic_property(code)


def _is_extend(code: int, category: str) -> bool:
    return (
        category in ("Mn", "Me")
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tags of subdivision flags
        or code == 0x200C  # zero width non-joiner
    )


def _hangul_property(code: int) -> str:
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _pictographic_property(code: int) -> str:
    for first, last in PICTOGRAPHIC_RANGES:
        if first <= code <= last:
            return "ExtPict"
    return "Other"
