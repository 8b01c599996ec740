import pytest

from idp.self_service.service import describe_device

FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE_WIN = CHROME_MAC.replace("Macintosh; Intel Mac OS X 10_15_7", "Windows NT 10.0") + (
    " Edg/131.0.0.0"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX_WIN, "Firefox on Windows"),
        (CHROME_MAC, "Chrome on macOS"),
        (EDGE_WIN, "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        ("curl/8.5.0", "Other client"),
        ("", "Unknown device"),
    ],
)
def test_device_labels(agent, label):
    assert describe_device(agent) == label
