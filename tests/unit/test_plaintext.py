"""The text part made from a campaign's HTML when its text body is empty."""

from __future__ import annotations

from app.campaigns.plaintext import html_to_text
from app.campaigns.rendering import CompiledCampaign, context

# A newsletter as email builders write them: layout tables, inline styles, a preheader, entities.
NEWSLETTER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Weekly #42</title>
<style>body { font-family: Helvetica; } .btn { background: #0a7; }</style></head>
<body style="margin:0">
<div style="display:none">Three launches, one fix, and a discount inside</div>
<table role="presentation" width="100%" cellpadding="0"><tr><td align="center">
  <table width="600"><tr><td><img src="https://cdn.acme.example/logo.png" alt="Acme Weekly" width="120"></td>
  <td align="right"><a href="https://acme.example/view?id=42">View in browser</a></td></tr></table>
  <h1 style="font-size:24px">Hello&nbsp;Ada &amp; team,</h1>
  <p>This week we
     shipped <strong>three</strong> features.<br>Here&#39;s what changed:</p>
  <ul>
    <li>Faster imports &mdash; <em>2&times;</em></li>
    <li>Resend to <a href="https://acme.example/docs/resend">failed recipients</a></li>
  </ul>
  <h2>How to upgrade</h2>
  <ol><li>Log in</li><li>Open <b>Settings</b></li></ol>
  <p><a class="btn" href="https://acme.example/upgrade?utm_source=mail&amp;utm_medium=email">
  Upgrade now</a></p>
  <script>track()</script>
  <hr>
  <p style="font-size:11px;color:#999">Questions? <a href="mailto:help@acme.example">help@acme.example</a>
  &middot; <a href="https://acme.example/unsubscribe/abc">Unsubscribe</a>
  &middot; <a href="#top">Back to top</a></p>
</td></tr></table>
</body></html>"""


def test_a_newsletter_reads_as_text_with_its_links_and_no_markup() -> None:
    # When the newsletter's HTML is turned into text
    text = html_to_text(NEWSLETTER)

    # Then it reads in order, with blocks apart, lists as items, links as "text (url)"
    assert text.splitlines() == [
        "Three launches, one fix, and a discount inside",  # the preheader, as clients show it
        "",
        "Acme Weekly View in browser (https://acme.example/view?id=42)",
        "",
        "Hello Ada & team,",
        "",
        "This week we shipped three features.",
        "Here's what changed:",
        "",
        "- Faster imports — 2×",
        "- Resend to failed recipients (https://acme.example/docs/resend)",
        "",
        "How to upgrade",
        "",
        "1. Log in",
        "2. Open Settings",
        "",
        "Upgrade now (https://acme.example/upgrade?utm_source=mail&utm_medium=email)",
        "",
        "----",
        "",
        "Questions? help@acme.example · Unsubscribe (https://acme.example/unsubscribe/abc) · Back to top",
    ]


def test_what_a_reader_never_sees_is_left_out() -> None:
    # Given HTML with a head, styles, scripts and a template
    html = "<head><title>T</title></head><style>p{}</style><p>Shown</p>"
    html += "<script>x()</script><template>n</template>"

    # Then only the shown text remains
    assert html_to_text(html) == "Shown"


def test_preformatted_text_keeps_its_spacing_and_images_without_alt_vanish() -> None:
    html = '<p>Code:</p><pre>def f():\n    return 1</pre><img src="spacer.gif"><img src="x.png" alt="">'
    assert html_to_text(html) == "Code:\n\ndef f():\n    return 1"


def test_a_link_whose_text_is_its_url_is_shown_once() -> None:
    html = '<p>See <a href="https://a.example/x">https://a.example/x</a>'
    html += ' or <a href="javascript:f()">this</a>.</p>'
    assert html_to_text(html) == "See https://a.example/x or this."


def test_empty_or_markup_only_html_has_no_text() -> None:
    assert html_to_text("") == ""
    assert html_to_text("<table><tr><td>&nbsp;</td></tr></table>") == ""


def _text_part(*, html_body: str, text_body: str) -> str:
    """The text part of a campaign rendered for Ada."""
    compiled = CompiledCampaign(subject="Hi", html_body=html_body, text_body=text_body)
    variables = context(
        email="ada@example.com",
        name="Ada <3",
        attributes={},
        unsubscribe_url="https://h.example/u/1",
        campaign_name="c",
        subject="Hi",
    )
    return compiled.render(variables).text


def test_a_campaign_without_a_text_body_gets_one_from_its_html_per_recipient() -> None:
    # Given a campaign with merge tags in its HTML and a blank text body
    html = '<h1>Hi {{ subscriber.name }}</h1><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'

    # When it is rendered for a subscriber, then its text part is her HTML as text (the name unescaped)
    assert _text_part(html_body=html, text_body="  ") == "Hi Ada <3\n\nUnsubscribe (https://h.example/u/1)"


def test_a_text_body_that_was_written_is_kept() -> None:
    assert _text_part(html_body="<p>HTML</p>", text_body="Plain {{ subscriber.name }}") == "Plain Ada <3"
