"""Caption assembly: order, length in UTF-16 units, hashtag limits, graphemes."""

from __future__ import annotations

import pytest

from smartshare.captions import (
    MAX_CAPTION_LENGTH,
    CaptionError,
    assemble_caption,
    caption_length,
    check_mandatory,
    graphemes,
    hashtags_in,
    split_hashtags,
    trim_text,
)

THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"


def test_length_counts_utf16_units():
    text = "a" * 2190 + THUMBS_UP_MEDIUM * 5

    assert len(text) == 2200
    assert len(text.encode("utf-8")) == 2230
    assert caption_length(text) == 2210


def test_mandatory_over_length_is_rejected():
    mandatory = "a" * 2190 + THUMBS_UP_MEDIUM * 5

    message = check_mandatory(mandatory, max_hashtags=5)

    assert message is not None
    assert "2,210 characters" in message
    assert "2,200" in message
    assert "Shorten it by 10 characters" in message


def test_mandatory_at_limit_is_accepted():
    assert check_mandatory("a" * 2180 + THUMBS_UP_MEDIUM * 5, 5) is None
    assert check_mandatory("#AI #TechNews", 5) is None


def test_mandatory_over_hashtag_limit_is_rejected():
    message = check_mandatory("#one #two #three #four #five #six", max_hashtags=5)

    assert message is not None
    assert "6 hashtags" in message
    assert "instagram.max_hashtags" in message


def test_assemble_rejects_invalid_mandatory():
    with pytest.raises(CaptionError, match="hashtags"):
        assemble_caption("Text", "#a #b #c", [], max_hashtags=2)


def test_assemble_orders_text_mandatory_hashtags():
    caption = assemble_caption(
        "Morning at the harbour.", "Shop at example.com #Harbour", ["boats"], 5
    )

    assert (
        caption == "Morning at the harbour.\n\nShop at example.com #Harbour\n\n#boats"
    )


def test_assemble_keeps_mandatory_verbatim():
    mandatory = "Line one  with  spaces\n\n  indented #Tag, and punctuation!"

    caption = assemble_caption("x" * 5000, mandatory, ["extra"], 5)

    assert mandatory.strip() in caption
    assert caption_length(caption) <= MAX_CAPTION_LENGTH


def test_hashtags_deduplicated_case_insensitively():
    caption = assemble_caption(
        "Text", "#Sunset", ["sunset", "Beach", "#beach", "BEACH", "waves"], 10
    )

    assert caption.endswith("#Beach #waves")
    assert hashtags_in(caption) == ["Sunset", "Beach", "waves"]


def test_mandatory_hashtags_count_first():
    caption = assemble_caption("Text", "#a #b #c #d", ["e", "f", "g"], max_hashtags=5)

    assert hashtags_in(caption) == ["a", "b", "c", "d", "e"]


def test_zero_max_hashtags_drops_generated():
    caption = assemble_caption("Sunny #day", "", ["beach"], max_hashtags=0)

    assert caption == "Sunny"
    assert hashtags_in(caption) == []


def test_hashtags_in_text_count_against_limit():
    caption = assemble_caption(
        "A #sunny walk by the sea. #beach #waves #sand", "#mine", ["more"], 3
    )

    assert caption.startswith("A sunny walk by the sea.")
    assert hashtags_in(caption) == ["mine", "sunny", "beach"]


def test_split_hashtags_keeps_inline_words():
    text, hashtags = split_hashtags("A #sunny day at the #beach.\n#summer #sea")

    assert text == "A sunny day at the beach."
    assert hashtags == ["sunny", "beach", "summer", "sea"]


def test_long_text_trimmed_mandatory_whole():
    mandatory = "Follow @shop for more. #shop"

    caption = assemble_caption("word " * 1000, mandatory, ["tag"], 5)

    assert caption_length(caption) <= MAX_CAPTION_LENGTH
    assert caption.endswith(f"…\n\n{mandatory}\n\n#tag")


def test_trim_never_splits_skin_tone_emoji():
    mandatory = "a" * 100

    caption = assemble_caption("x" + THUMBS_UP_MEDIUM * 2000, mandatory, [], 5)

    text = caption.split("\n\n")[0]
    assert caption_length(caption) <= MAX_CAPTION_LENGTH
    assert text.endswith(THUMBS_UP_MEDIUM + "…")
    assert text.count("\U0001f44d") == text.count("\U0001f3fd")


def test_trim_with_every_limit_keeps_clusters():
    text = "e\u0301" + THUMBS_UP_MEDIUM + "\U0001f1f3\U0001f1f1" + "👨‍👩‍👧" + "z"
    clusters = list(graphemes(text))

    for limit in range(0, caption_length(text) + 1):
        trimmed = trim_text(text, limit)
        kept_text = trimmed.removesuffix("…")
        kept_clusters = list(graphemes(kept_text))
        assert caption_length(trimmed) <= limit
        assert kept_clusters == clusters[: len(kept_clusters)]


def test_skin_tone_text_trimmed_whole():
    mandatory = "a" * 2000
    generated = "b" * 150 + THUMBS_UP_MEDIUM * 50

    caption = assemble_caption(generated, mandatory, ["extra"], 5)

    # 2,200 minus the mandatory text, "#extra" and two separators leaves 190
    # characters: 150 letters, 9 emoji of 4 UTF-16 units and the ellipsis.
    text = "b" * 150 + THUMBS_UP_MEDIUM * 9 + "…"
    assert caption == f"{text}\n\n{mandatory}\n\n#extra"


def test_full_mandatory_leaves_no_room():
    mandatory = "a" * 2198

    caption = assemble_caption("Text", mandatory, ["tag"], 5)

    assert caption == mandatory


def test_text_trimmed_before_hashtags_dropped():
    mandatory = "a" * 2180

    caption = assemble_caption("Some generated text", mandatory, ["tag"], 5)

    assert caption == f"Some genera…\n\n{mandatory}\n\n#tag"
    assert caption_length(caption) == MAX_CAPTION_LENGTH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", ["a", "b", "c"]),
        ("e\u0301a", ["e\u0301", "a"]),
        ("\r\nx", ["\r\n", "x"]),
        (THUMBS_UP_MEDIUM * 2, [THUMBS_UP_MEDIUM, THUMBS_UP_MEDIUM]),
        ("👨‍👩‍👧x", ["👨‍👩‍👧", "x"]),
        ("❤️‍🔥", ["❤️‍🔥"]),
        ("\u2764\ufe0f!", ["\u2764\ufe0f", "!"]),
        ("🇳🇱🇩🇪🇫", ["🇳🇱", "🇩🇪", "🇫"]),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),
        ("\u1100\u1161\u11a8\uac00", ["\u1100\u1161\u11a8", "\uac00"]),
        ("a\u200db", ["a\u200d", "b"]),
    ],
)
def test_grapheme_clusters(text, expected):
    assert list(graphemes(text)) == (expected or [text])
