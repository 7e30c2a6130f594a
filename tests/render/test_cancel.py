"""A cancellation token kills the render child in the middle of a slow page (issue 13).

The page takes minutes to draw and its time budget is ten minutes, so only the token can stop
it within the test's timeout; the child must be gone afterwards and the next page must render
normally in a fresh child.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from docparse.cancellation import Cancellation, Cancelled
from docparse.render import RenderLimits, open_document
from tests.procs import cpu_ticks, gone, render_children
from tests.render.helpers import BUDGET, SLOW_OP, write_shared_content_pdf
from tests.waiting import poll

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads process state from /proc (Linux)")

MiB = 1 << 20


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_token_set_while_the_child_draws_kills_it_and_the_next_page_renders(text_pdf: Path, tmp_path: Path) -> None:
    slow = write_shared_content_pdf(tmp_path / "slow.pdf", 1, 2 * MiB, op=SLOW_OP)  # minutes to draw
    limits = RenderLimits(render_timeout_s=120)  # past the in-process bound (720 KB): drawn in the child
    token = Cancellation()
    with open_document(slow, limits=limits) as doc, ThreadPoolExecutor(1) as pool:
        drawing = pool.submit(doc.render_page, 0, **BUDGET, cancel=token)

        def busy_child() -> int | None:
            for pid in render_children():
                if cpu_ticks(pid) > 150:  # 1.5 s of CPU: long past its start-up, drawing the page
                    return pid
            return None

        child = poll(busy_child, timeout_s=120, what="the render child to be drawing the slow page")
        token.set("the document was cancelled")
        with pytest.raises(Cancelled, match="cancelled"):
            drawing.result(timeout=60)
    poll(lambda: gone(child), timeout_s=30, what="the render child to be killed")

    with open_document(text_pdf, limits=limits) as doc:  # a fresh child draws the next page
        page = doc.render_page(0, **BUDGET, cancel=Cancellation())
    assert page.image.getextrema() != ((255, 255), (255, 255), (255, 255))
