"""``voice.qr``: a link's QR code is encoded once per process, then served from memory."""

import segno

from voice import qr


def test_the_same_link_is_encoded_once_and_another_link_again(monkeypatch):
    encoded, encode = [], segno.make

    def make(text, **options):
        encoded.append(text)
        return encode(text, **options)

    qr.qr_svg.cache_clear()
    monkeypatch.setattr(qr.segno, "make", make)
    first = qr.qr_svg("https://portal.example.gov.cn/r/one/")
    assert qr.qr_svg("https://portal.example.gov.cn/r/one/") == first
    other = qr.qr_svg("https://portal.example.gov.cn/r/two/")
    assert encoded == ["https://portal.example.gov.cn/r/one/", "https://portal.example.gov.cn/r/two/"]
    assert first.startswith("<svg") and other != first
