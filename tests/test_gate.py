"""The answer limit shared by the page and the program routes (newsqa/gate.py)."""

import asyncio
import threading
import time

import pytest

from newsqa.gate import AnswerGate, BusyError


def test_a_full_line_is_refused_at_once_and_room_comes_back():
    gate = AnswerGate(1, 1)
    release = threading.Event()
    started = threading.Event()

    def slow():
        started.set()
        release.wait(30)
        return "slow"

    async def scenario():
        first = asyncio.ensure_future(gate.run(slow))
        second = asyncio.ensure_future(gate.run(lambda: "waited"))
        await asyncio.sleep(0)  # both admitted: one answering, one waiting
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        with pytest.raises(BusyError, match="1 requests are being answered and 1 are waiting"):
            await gate.run(lambda: "third")
        release.set()
        assert await first == "slow" and await second == "waited"
        assert await gate.run(lambda: "again") == "again"  # the line is free again

    asyncio.run(scenario())
    gate.close()


def test_programs_wait_while_the_page_holds_the_slots():
    """A program's answer does not run beside the page's when the page uses every slot."""
    gate = AnswerGate(1, 4)
    page_answering = threading.Event()
    seen = []

    def page():
        with gate.slot():
            page_answering.set()
            time.sleep(0.5)  # the program asks meanwhile
            page_answering.clear()

    def program_work():
        seen.append(page_answering.is_set())
        return True

    async def scenario():
        thread = threading.Thread(target=page)
        thread.start()
        await asyncio.get_running_loop().run_in_executor(None, page_answering.wait, 30)
        assert await gate.run(program_work)
        thread.join()

    asyncio.run(scenario())
    assert seen == [False]
    gate.close()
