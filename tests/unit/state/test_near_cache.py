"""The near cache's rules, with a feed whose generation and liveness the test moves."""

from __future__ import annotations

from idp.state.near_cache import FORGET_SECONDS, FORGOTTEN, NearCache


class Counting:
    """A shared state that counts its reads."""

    def __init__(self):
        self.values: dict[str, str] = {}
        self.ttls: dict[str, int] = {}
        self.reads = 0
        self.published: list[str] = []

    def get(self, key):
        self.reads += 1
        return self.values.get(key)

    def set(self, key, value, ttl):
        self.values[key] = value
        self.ttls[key] = ttl

    def add(self, key, value, ttl):
        if key in self.values:
            return False
        self.set(key, value, ttl)
        return True

    def replace(self, key, expected, value, ttl):
        if self.values.get(key) != expected:
            return False
        self.set(key, value, ttl)
        return True

    def delete(self, key):
        self.values.pop(key, None)

    def publish(self, channel, message="changed"):
        self.published.append(channel)


class Feed:
    def __init__(self, live=True):
        self.generation = 1
        self.live = live


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def make(feed=None, **options):
    state = Counting()
    state.values["k"] = "v1"
    return state, NearCache(state, "chan", feed, **options)


def test_a_live_feed_answers_from_the_process_after_the_first_read():
    state, cache = make(Feed())
    assert [cache.get("k") for _ in range(5)] == ["v1"] * 5
    assert state.reads == 1


def test_without_a_feed_every_read_goes_to_the_shared_state():
    state, cache = make(None)
    assert [cache.get("k") for _ in range(3)] == ["v1"] * 3
    assert state.reads == 3


def test_while_the_feed_is_not_live_every_read_goes_to_the_shared_state():
    feed = Feed(live=False)
    state, cache = make(feed)
    cache.get("k")
    cache.get("k")
    assert state.reads == 2
    feed.live = True
    cache.get("k")
    cache.get("k")
    assert state.reads == 3


def test_an_announced_change_drops_every_copy():
    feed = Feed()
    state, cache = make(feed)
    cache.get("k")
    state.values["k"] = "v2"
    assert cache.get("k") == "v1"
    feed.generation += 1
    assert cache.get("k") == "v2"


def test_a_change_announced_during_the_shared_read_is_not_kept():
    feed = Feed()
    state, cache = make(feed)
    original = state.get

    def read_while_a_change_lands(key):
        value = original(key)
        state.values["k"] = "v2"
        feed.generation += 1
        return value

    state.get = read_while_a_change_lands
    assert cache.get("k") == "v1"
    state.get = original
    assert cache.get("k") == "v2"


def test_copies_expire():
    clock = Clock()
    state, cache = make(Feed(), seconds=10, clock=clock)
    cache.get("k")
    clock.now += 9
    cache.get("k")
    assert state.reads == 1
    clock.now += 2
    cache.get("k")
    assert state.reads == 2


def test_missing_values_are_not_kept():
    state, cache = make(Feed())
    assert cache.get("absent") is None
    assert cache.get("absent") is None
    assert state.reads == 2


def test_forget_marks_the_shared_value_drops_the_copy_and_announces():
    state, cache = make(Feed())
    cache.get("k")
    cache.forget("k")
    mark = state.values["k"]
    assert mark.startswith(FORGOTTEN) and state.ttls["k"] == FORGET_SECONDS
    assert cache.read("k") == (None, mark)
    assert state.published == ["chan"]
    assert NearCache(state, "chan", None).read("k") == (None, mark)  # without a feed too
    cache.forget("k")
    assert state.values["k"] != mark  # each change leaves a mark of its own


def test_fill_writes_through_and_keeps_a_copy_while_live():
    state, cache = make(Feed())
    value, mark = cache.read("n")
    assert (value, mark) == (None, None)
    assert cache.fill("n", "x", 60, mark) is True
    assert state.values["n"] == "x"
    assert cache.get("n") == "x"
    assert state.reads == 1


def test_a_value_read_before_a_change_cannot_be_filled_in_after_it():
    """The reader read "v1" from the source of truth; meanwhile the value changed and was
    forgotten; the reader's fill must not bring "v1" back for everyone."""
    state, cache = make(Feed())
    del state.values["k"]
    _, mark = cache.read("k")  # a miss: the reader goes to the source of truth
    NearCache(state, "chan", Feed()).forget("k")  # another process changes it meanwhile
    assert cache.fill("k", "v1", 300, mark) is False
    assert cache.get("k") is None and state.values["k"].startswith(FORGOTTEN)


def test_a_reader_that_saw_the_mark_fills_over_it_unless_another_change_came():
    state, cache = make(Feed())
    other = NearCache(state, "chan", Feed())
    other.forget("k")
    _, mark = cache.read("k")  # read after the change: what it loads next is fresh
    assert mark is not None
    assert cache.fill("k", "v2", 300, mark) is True and cache.get("k") == "v2"
    other.forget("k")
    cache.subscription.generation += 1  # its announcement arrives
    _, mark = cache.read("k")
    other.forget("k")  # a second change between the read and the fill
    cache.subscription.generation += 1
    assert cache.fill("k", "v3", 300, mark) is False
    assert cache.get("k") is None


def test_the_number_of_copies_is_bounded():
    state, cache = make(Feed(), max_entries=3)
    for n in range(10):
        state.values[f"k{n}"] = str(n)
        cache.get(f"k{n}")
    assert len(cache._entries) <= 3
