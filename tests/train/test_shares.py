"""Share links: unguessable tokens, one share per run, gone with the run, a budget."""

import pytest

from bnviz.train.shares import DEFAULT_OWNER, MAX_OWNER_CHARS, TOKEN, ShareRegistry

ROUTE = "0123456789abcdef0123456789abcdef"


def registry(alive=None, **kw):
    alive = {"s1", "s2"} if alive is None else alive
    return ShareRegistry(lambda key: key in alive, **kw), alive


def test_a_token_is_unguessable_and_names_the_route():
    reg, _ = registry()
    share = reg.share("s1", "Prof. Kim", route=ROUTE)
    route, secret = share.token.split(".")
    assert route == ROUTE and len(secret) == 22 and TOKEN.fullmatch(share.token)
    assert reg.find(share.token) is share and reg.find(secret) is share  # the route is a hint
    other = reg.share("s2")
    assert "." not in other.token and other.token != secret  # no route cookie: secret only


def test_sharing_again_gives_the_same_link_with_the_new_name():
    reg, _ = registry()
    first = reg.share("s1", "Kim")
    again = reg.share("s1", "  Prof.\n  Kim  " + "x" * 100)
    assert (
        again is first
        and again.owner.startswith("Prof. Kim")
        and len(again.owner) == MAX_OWNER_CHARS
    )
    assert reg.share("s2", "   ").owner == DEFAULT_OWNER


@pytest.mark.parametrize(
    "token", ["", "x", "../../etc", "a" * 21, "a" * 23, "Z" * 32 + "." + "a" * 22, "<script>"]
)
def test_malformed_or_unknown_tokens_find_nothing(token):
    reg, _ = registry()
    reg.share("s1")
    assert reg.find(token) is None


def test_a_share_ends_with_its_run():
    reg, alive = registry()
    share = reg.share("s1")
    alive.discard("s1")
    assert reg.find(share.token) is None and reg.newest() is None


def test_viewers_follow_the_owners_view_and_the_newest_share_is_offered():
    reg, _ = registry()
    a = reg.share("s1")
    b = reg.share("s2")
    reg.follow("s1", {"main": "plain", "layer": 2})
    assert a.view == {"main": "plain", "layer": 2} and b.view == {}
    assert reg.newest() is b and reg.of_session("s1") is a
    reg.stop_sharing("s2")
    assert reg.find(b.token) is None and reg.newest() is a


def test_the_number_of_shares_is_budgeted():
    reg, alive = registry(alive={"s1", "s2", "s3"}, max_shares=2)
    reg.share("s1"), reg.share("s2")
    with pytest.raises(ValueError, match="2 shared runs"):
        reg.share("s3")
    alive.discard("s1")  # a share whose run ended frees its place
    reg.share("s3")
