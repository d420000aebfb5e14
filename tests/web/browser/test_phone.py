"""On a phone: the main pages fit a 375-pixel-wide screen without sideways scrolling of the whole page
(wide tables scroll inside their own box), in both languages."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import PROVIDER, REGULATOR, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
PAGES = {
    None: ["/", "/providers/1", "/certificates/DTC-2022-0001", "/catalog", "/catalog/items/NUT-VITD", "/check"],
    PROVIDER: ["/portal", "/portal/applications/new", "/portal/panels", "/portal/batch"],
    REGULATOR: ["/console", "/console/organisations", "/console/editions", "/console/audit"],
}


@pytest.mark.parametrize("who", list(PAGES), ids=["public", "provider", "regulator"])
@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_the_main_pages_fit_a_phone_screen(browser, live_server, report, who, locale):
    context = browser.new_context(base_url=live_server, locale=locale, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        if who:
            sign_in(page, *who)
        too_wide = {}
        for path in PAGES[who]:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"] + 1:
                too_wide[path] = width
            slug = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(report.directory / f"phone-{slug}.{locale[:2]}.png"), full_page=True)
        assert not too_wide, f"wider than the phone's {PHONE['width']} px: {too_wide}"
    finally:
        context.close()
